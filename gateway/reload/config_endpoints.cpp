#include "gateway/reload/config_endpoints.h"

#include "gateway/core/errors.h"
#include "gateway/reload/config_view.h"

namespace tollgate::gateway::reload {

namespace {

constexpr std::string_view kReload = "/admin/reload";
constexpr std::string_view kConfig = "/admin/config";

void answer_json(core::Response& response, std::string body) {
  response.status = 200;
  response.headers.set("content-type", "application/json");
  response.body = std::move(body);
}

}  // namespace

bool ConfigEndpoints::matches(std::string_view path) const {
  return path == kReload || path == kConfig;
}

// The reload runs on the admin thread: the workers go on serving meanwhile.
boost::asio::awaitable<void> ConfigEndpoints::handle(core::Exchange& exchange,
                                                     core::Response& response) {
  if (exchange.path == kConfig) {
    if (exchange.method != "GET") {
      response = core::error_response(core::ErrorKind::method_not_allowed, "use GET");
    } else {
      answer_json(response, config_view_json(reloader_.loaded()));
    }
    co_return;
  }
  if (exchange.method != "POST") {
    response = core::error_response(core::ErrorKind::method_not_allowed, "use POST");
    co_return;
  }
  ReloadOutcome outcome = reloader_.reload("POST /admin/reload");
  if (!outcome.ok) {
    response = core::error_response(core::ErrorKind::config_rejected, outcome.message);
    co_return;
  }
  LoadedConfig loaded = reloader_.loaded();
  std::string body = R"({"status":"reloaded","message":)";
  core::append_json_string(body, outcome.message);
  body += R"(,"files":[)";
  for (std::size_t i = 0; i < loaded.config->files.size(); ++i) {
    if (i != 0) body += ',';
    core::append_json_string(body, loaded.config->files[i].path);
  }
  body += "]}";
  answer_json(response, std::move(body));
}

}  // namespace tollgate::gateway::reload
