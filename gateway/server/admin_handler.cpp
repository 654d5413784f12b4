// Health and readiness for load balancers and orchestrators; operator endpoints behind
// the admin key.
#include "gateway/server/admin_handler.h"

#include <openssl/crypto.h>

#include "gateway/core/errors.h"

namespace tollgate::gateway::server {

namespace {

void fail(core::Response& response, core::ErrorKind kind, std::string_view message) {
  response.status = core::error_info(kind).status;
  response.body = core::error_body(kind, message);
}

// Compares the bearer token with the admin key in constant time.
bool admin_key_matches(const core::Headers& headers, const std::string& admin_key) {
  std::string_view authorization = headers.get("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) return false;
  std::string_view token = authorization.substr(kBearer.size());
  return token.size() == admin_key.size() &&
         CRYPTO_memcmp(token.data(), admin_key.data(), token.size()) == 0;
}

}  // namespace

boost::asio::awaitable<void> AdminHandler::handle(core::Exchange& exchange,
                                                  core::ResponseSink& sink) {
  core::Response response;
  response.headers.set("content-type", "application/json");
  core::AdminEndpoint* endpoint = nullptr;
  for (auto* e : endpoints_) {
    if (e->matches(exchange.path)) endpoint = e;
  }
  // /readyz is answered below: draining comes first, whatever an endpoint would say.
  if (endpoint != nullptr && !endpoint->requires_admin_key() && exchange.path != "/readyz") {
    co_await endpoint->handle(exchange, response);
    co_await sink.send(response);
    co_return;
  }
  if (exchange.path.starts_with("/admin/")) {
    const std::string& admin_key = config_()->server.admin_key;
    if (endpoint == nullptr) {
      fail(response, core::ErrorKind::not_found, "unknown admin path");
    } else if (admin_key.empty()) {
      fail(response, core::ErrorKind::forbidden,
           "the admin API is off: set server.admin_key to use it");
    } else if (!admin_key_matches(exchange.request_headers, admin_key)) {
      fail(response, core::ErrorKind::invalid_api_key,
           "the admin API needs Authorization: Bearer <server.admin_key>");
    } else {
      co_await endpoint->handle(exchange, response);
    }
    co_await sink.send(response);
    co_return;
  }
  if (exchange.method != "GET" && exchange.method != "HEAD") {
    response.status = 405;
    response.body = core::error_body(core::ErrorKind::method_not_allowed, "use GET");
  } else if (exchange.path == "/healthz") {
    response.body = R"({"status":"ok"})";
  } else if (exchange.path == "/readyz") {
    if (draining_()) {
      response.status = 503;
      response.body = R"({"status":"draining"})";
    } else if (endpoint != nullptr) {
      // A readiness check of its own (the state's, when writes fail and it is asked to).
      co_await endpoint->handle(exchange, response);
    } else {
      response.body = R"({"status":"ready"})";
    }
  } else {
    response.status = 404;
    response.body = core::error_body(core::ErrorKind::not_found, "unknown admin path");
  }
  co_await sink.send(response);
}

}  // namespace tollgate::gateway::server
