// Health and readiness for load balancers and orchestrators.
#include "gateway/server/admin_handler.h"

#include "gateway/core/errors.h"

namespace tollgate::gateway::server {

boost::asio::awaitable<void> AdminHandler::handle(core::Exchange& exchange,
                                                  core::ResponseSink& sink) {
  core::Response response;
  response.headers.set("content-type", "application/json");
  if (exchange.method != "GET" && exchange.method != "HEAD") {
    response.status = 405;
    response.body = core::error_body(core::ErrorKind::method_not_allowed, "use GET");
  } else if (exchange.path == "/healthz") {
    response.body = R"({"status":"ok"})";
  } else if (exchange.path == "/readyz") {
    bool draining = draining_();
    response.status = draining ? 503 : 200;
    response.body = draining ? R"({"status":"draining"})" : R"({"status":"ready"})";
  } else {
    response.status = 404;
    response.body = core::error_body(core::ErrorKind::not_found, "unknown admin path");
  }
  co_await sink.send(response);
}

}  // namespace tollgate::gateway::server
