// The OpenAI dialect: the request goes through byte for byte but for the model name (and
// usage asked for on streams), with the gateway's key as a Bearer token; the answer hooks
// are the OpenAI-shaped ones (common/openai_dialect.h).
#include "routing/providers/openai/openai_provider.h"

#include "routing/providers/common/attempt_driver.h"
#include "routing/providers/common/openai_dialect.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

namespace {

class OpenAiDialect final : public OpenAiShapedDialect {
 public:
  using OpenAiShapedDialect::OpenAiShapedDialect;

  std::optional<DialectFailure> build(Attempt& attempt,
                                      core::UpstreamRequest& request) const override {
    const core::Exchange& exchange = attempt.exchange;
    // Clients address /v1/...; the base URL already names the version prefix. A request
    // that came in another dialect is a chat request by now (gateway/ingress/).
    std::string_view suffix = exchange.ingress == core::Ingress::openai
                                  ? std::string_view(exchange.target)
                                  : std::string_view("/v1/chat/completions");
    if (suffix.starts_with("/v1")) suffix.remove_prefix(3);
    request.target = config_.base_url.path;
    request.target.append(suffix);
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kOpenAiDialectHeaders);
    if (!config_.api_key.empty()) request.headers.set("authorization", "Bearer " + config_.api_key);
    add_gateway_headers(request.headers, config_, exchange.request_id);
    add_openai_body(attempt, request);
    return std::nullopt;
  }
};

std::unique_ptr<core::Provider> make_openai_provider(const core::ProviderConfig& config,
                                                     const core::NoProviderSettings&) {
  return std::make_unique<DialectProvider>(std::make_unique<OpenAiDialect>(config));
}

}  // namespace

core::ProviderKind openai_provider_kind() {
  return core::provider_kind<core::NoProviderSettings>("openai", {}, true, nullptr,
                                                       make_openai_provider);
}

}  // namespace tollgate::routing::providers
