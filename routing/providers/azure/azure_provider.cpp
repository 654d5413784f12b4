// Azure OpenAI: the OpenAI-shaped dialect (common/openai_dialect.h) with Azure's
// addressing and auth. Content-filter answers (a 400 whose code is content_filter, or a completion
// whose finish_reason is content_filter) are reported as the content_filter class.
#include "routing/providers/azure/azure_provider.h"

#include <stdexcept>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/common/attempt_driver.h"
#include "routing/providers/common/openai_dialect.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

using core::join_key;

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

class AzureDialect final : public OpenAiShapedDialect {
 public:
  AzureDialect(const core::ProviderConfig& config, std::string api_version)
      : OpenAiShapedDialect(config), api_version_(std::move(api_version)) {}

  std::optional<DialectFailure> build(Attempt& attempt,
                                      core::UpstreamRequest& request) const override {
    const core::Exchange& exchange = attempt.exchange;
    request.target =
        azure_target(config_.base_url.path, exchange.operation, attempt.target.model, api_version_);
    if (request.target.empty()) {
      return DialectFailure{core::FailureClass::client_error, "operation not supported by azure",
                            core::error_response(core::ErrorKind::not_found,
                                                 "the Azure OpenAI provider '" + config_.name +
                                                     "' serves /v1/chat/completions, "
                                                     "/v1/completions and /v1/embeddings only, "
                                                     "not " +
                                                     exchange.path)};
    }
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kOpenAiDialectHeaders);
    if (!config_.api_key.empty()) request.headers.set("api-key", config_.api_key);
    add_gateway_headers(request.headers, config_, exchange.request_id);
    add_openai_body(attempt, request);
    return std::nullopt;
  }

  DialectFailure map_error(const core::UpstreamResponse& upstream) const override {
    DialectFailure failure = OpenAiShapedDialect::map_error(upstream);
    failure.response->body = normalize_azure_error(upstream.status, failure.response->body);
    return failure;
  }

 protected:
  bool reports_content_filter() const override { return true; }

 private:
  std::string api_version_;
};

AzureSettings read_azure_settings(const core::ConfigReader& reader, const YAML::Node& section,
                                  const std::string& key) {
  AzureSettings settings;
  YAML::Node node = section["api_version"];
  if (!core::ConfigReader::has(node)) {
    reader.fail(section, key,
                "provider '" + section["name"].Scalar() +
                    "': kind azure needs `api_version` (for example 2024-10-21)");
  }
  settings.api_version = reader.string_of(node, join_key(key, "api_version"));
  if (settings.api_version.empty()) {
    reader.fail(node, join_key(key, "api_version"), "must not be empty (for example 2024-10-21)");
  }
  return settings;
}

std::unique_ptr<core::Provider> make_azure_provider(const core::ProviderConfig& config,
                                                    const AzureSettings& settings) {
  if (settings.api_version.empty()) {
    throw std::invalid_argument("provider '" + config.name +
                                "': kind azure needs `api_version` (for example 2024-10-21)");
  }
  return std::make_unique<DialectProvider>(
      std::make_unique<AzureDialect>(config, settings.api_version));
}

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

core::ProviderKind azure_provider_kind() {
  return core::provider_kind<AzureSettings>("azure", {"api_version"}, true, read_azure_settings,
                                            make_azure_provider);
}

}  // namespace tollgate::routing::providers
