// Azure OpenAI: the OpenAI relay (common/openai_relay.h) with Azure's addressing and
// auth. Content-filter answers (a 400 whose code is content_filter, or a completion
// whose finish_reason is content_filter) are reported as the content_filter class.
#include "routing/providers/azure/azure_provider.h"

#include <stdexcept>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/common/openai_relay.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;

namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes a path segment or a query value (RFC 3986 unreserved kept).
void append_encoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (unreserved(c)) {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
}

class AzureProvider final : public core::Provider {
 public:
  AzureProvider(const core::ProviderConfig& config, std::string api_version)
      : config_(config), api_version_(std::move(api_version)) {}
  const core::ProviderConfig& config() const override { return config_; }

  asio::awaitable<void> call(core::Exchange& exchange, const core::TargetConfig& target,
                             core::CallContext context, CallOutcome& outcome) override {
    std::string path =
        azure_target(config_.base_url.path, exchange.operation, target.model, api_version_);
    if (path.empty()) {
      outcome.failure = core::FailureClass::client_error;
      outcome.detail = "operation not supported by azure";
      core::Response error;
      error.status = 404;
      error.headers.set("content-type", "application/json");
      error.body = core::error_body(core::ErrorKind::not_found,
                                    "the Azure OpenAI provider '" + config_.name +
                                        "' serves /v1/chat/completions, /v1/completions and "
                                        "/v1/embeddings only, not " +
                                        exchange.path);
      outcome.upstream_error = std::move(error);
      co_return;
    }
    bool counts_tokens = exchange.operation == core::Operation::chat_completions ||
                         exchange.operation == core::Operation::completions;
    // Usage is always asked for on a stream, whatever the client's stream_options say:
    // billing must not be something a client can switch off.
    bool add_usage = exchange.json.stream && counts_tokens;

    core::UpstreamRequest request;
    request.method = exchange.method;
    request.target = std::move(path);
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kOpenAiDialectHeaders);
    if (!config_.api_key.empty()) request.headers.set("api-key", config_.api_key);
    for (const auto& field : config_.headers) request.headers.set(field.name, field.value);
    request.headers.set("x-request-id", exchange.request_id);
    if (!exchange.body.empty()) {
      request.headers.set("content-type", "application/json");
      request.body =
          core::splice_request_body(exchange.body, exchange.json, target.model, add_usage);
    }
    request.stream = exchange.json.stream;
    request.timeout = exchange.attempt_timeout;
    request.abort = &exchange.client_gone;

    OpenAiRelayOptions options;
    options.hide_usage_chunk = add_usage && !exchange.json.include_usage;
    options.report_content_filter = true;
    co_await relay_openai_call(exchange, config_, request, options, context, outcome);
    if (outcome.upstream_error) {
      outcome.upstream_error->body =
          normalize_azure_error(outcome.upstream_error->status, outcome.upstream_error->body);
    }
  }

 private:
  const core::ProviderConfig& config_;
  std::string api_version_;
};

}  // namespace

std::string normalize_azure_error(int status, std::string_view body) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return std::string(body);
  boost::json::value* error = doc.get_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return std::string(body);
  boost::json::object& e = error->get_object();
  boost::json::value* message = e.if_contains("message");
  if (message == nullptr || !message->is_string()) {
    e["message"] = "the provider answered with HTTP status " + std::to_string(status);
  }
  boost::json::value* type = e.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    e["type"] = status == 429   ? "requests"
                : status >= 500 ? "server_error"
                                : "invalid_request_error";
  }
  if (!e.contains("param")) e["param"] = nullptr;
  boost::json::value* code = e.if_contains("code");
  if (code == nullptr) {
    e["code"] = nullptr;
  } else if (code->is_number()) {
    e["code"] = boost::json::serialize(*code);
  } else if (!code->is_string() && !code->is_null()) {
    e["code"] = nullptr;
  }
  return boost::json::serialize(doc);
}

std::string azure_api_version(const core::ProviderConfig& config) {
  if (!config.raw || !config.raw.IsMap()) return {};
  YAML::Node node = config.raw["api_version"];
  if (!node || !node.IsScalar()) return {};
  return node.as<std::string>();
}

std::string azure_target(std::string_view base_path, core::Operation operation,
                         std::string_view deployment, std::string_view api_version) {
  std::string_view op;
  switch (operation) {
    case core::Operation::chat_completions:
      op = "/chat/completions";
      break;
    case core::Operation::completions:
      op = "/completions";
      break;
    case core::Operation::embeddings:
      op = "/embeddings";
      break;
    default:
      return {};
  }
  std::string out(base_path);
  out += "/openai/deployments/";
  append_encoded(out, deployment);
  out += op;
  out += "?api-version=";
  append_encoded(out, api_version);
  return out;
}

std::unique_ptr<core::Provider> make_azure_provider(const core::ProviderConfig& config) {
  std::string api_version = azure_api_version(config);
  if (api_version.empty()) {
    throw std::invalid_argument("provider '" + config.name +
                                "': kind azure needs `api_version` (for example 2024-10-21)");
  }
  return std::make_unique<AzureProvider>(config, std::move(api_version));
}

}  // namespace tollgate::routing::providers
