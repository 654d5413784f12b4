// Health and readiness for load balancers and orchestrators; operator endpoints behind
// the admin key.
#include "gateway/server/admin_handler.h"

#include <openssl/crypto.h>

#include "gateway/core/errors.h"

namespace tollgate::gateway::server {

namespace {

// Compares the bearer token with the admin key in constant time.
bool admin_key_matches(const core::Headers& headers, const std::string& admin_key) {
  std::string_view authorization = headers.get("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) return false;
  std::string_view token = authorization.substr(kBearer.size());
  return token.size() == admin_key.size() &&
         CRYPTO_memcmp(token.data(), admin_key.data(), token.size()) == 0;
}

core::Response json_body(int status, std::string body) {
  core::Response response;
  response.status = status;
  response.headers.set("content-type", "application/json");
  response.body = std::move(body);
  return response;
}

}  // namespace

// Who may call what is decided from the head: a caller without the admin key never gets
// its body read.
boost::asio::awaitable<void> AdminHandler::handle(core::Exchange& exchange, core::RequestBody& body,
                                                  core::ResponseSink& sink) {
  core::Response response = json_body(200, {});
  core::AdminEndpoint* endpoint = nullptr;
  for (auto* e : endpoints_) {
    if (e->matches(exchange.path)) endpoint = e;
  }
  bool open_endpoint =
      endpoint != nullptr && !endpoint->requires_admin_key() && exchange.path != "/readyz";
  if (exchange.path.starts_with("/admin/") && !open_endpoint) {
    const std::string& admin_key = config_()->server.admin_key;
    if (endpoint == nullptr) {
      response = core::error_response(core::ErrorKind::not_found, "unknown admin path");
    } else if (admin_key.empty()) {
      response = core::error_response(core::ErrorKind::forbidden,
                                      "the admin API is off: set server.admin_key to use it");
    } else if (!admin_key_matches(exchange.request_headers, admin_key)) {
      response =
          core::error_response(core::ErrorKind::invalid_api_key,
                               "the admin API needs Authorization: Bearer <server.admin_key>");
    }
    if (response.status != 200) {
      co_await sink.send(response);
      co_return;
    }
  }
  if (!co_await body.read(exchange, response)) {
    if (response.status != 0) co_await sink.send(response);
    co_return;
  }
  // /readyz is answered below: draining comes first, whatever an endpoint would say.
  if (open_endpoint || exchange.path.starts_with("/admin/")) {
    co_await endpoint->handle(exchange, response);
  } else if (exchange.method != "GET" && exchange.method != "HEAD") {
    response = core::error_response(core::ErrorKind::method_not_allowed, "use GET");
  } else if (exchange.path == "/healthz") {
    response.body = R"({"status":"ok"})";
  } else if (exchange.path == "/readyz") {
    if (draining_()) {
      response = json_body(503, R"({"status":"draining"})");
    } else if (endpoint != nullptr) {
      // A readiness check of its own (the state's, when writes fail and it is asked to).
      co_await endpoint->handle(exchange, response);
    } else {
      response.body = R"({"status":"ready"})";
    }
  } else {
    response = core::error_response(core::ErrorKind::not_found, "unknown admin path");
  }
  co_await sink.send(response);
}

}  // namespace tollgate::gateway::server
