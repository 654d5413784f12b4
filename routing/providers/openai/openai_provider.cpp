// OpenAI-dialect provider: builds the upstream request (credentials swapped, model
// spliced, usage requested for streams); the relay (common/openai_relay.h, shared with
// Azure OpenAI) passes the answer through, reads usage and classifies errors once.
#include "routing/providers/openai/openai_provider.h"

#include "routing/providers/common/openai_relay.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;

namespace {

class OpenAiProvider final : public core::Provider {
 public:
  explicit OpenAiProvider(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }

  asio::awaitable<void> call(core::Exchange& exchange, const core::TargetConfig& target,
                             core::CallContext context, CallOutcome& outcome) override {
    bool wants_stream = exchange.json.stream;
    bool counts_tokens = exchange.operation == core::Operation::chat_completions ||
                         exchange.operation == core::Operation::completions;
    // Always ask for the usage chunk, whatever the client's stream_options say (set,
    // false, null or missing): billing is not something a client can switch off. The
    // chunk is hidden again unless the client asked for it.
    bool add_usage = wants_stream && counts_tokens;

    core::UpstreamRequest request = build_request(exchange, target, add_usage);
    OpenAiRelayOptions options;
    options.hide_usage_chunk = add_usage && !exchange.json.include_usage;
    co_await relay_openai_call(exchange, config_, request, options, context, outcome);
  }

 private:
  core::UpstreamRequest build_request(core::Exchange& exchange, const core::TargetConfig& target,
                                      bool add_usage) const {
    core::UpstreamRequest request;
    request.method = exchange.method;
    // Clients address /v1/...; the base URL already names the version prefix.
    std::string_view suffix = exchange.target;
    if (suffix.starts_with("/v1")) suffix.remove_prefix(3);
    request.target = config_.base_url.path;
    request.target.append(suffix);
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kOpenAiDialectHeaders);
    if (!config_.api_key.empty()) request.headers.set("authorization", "Bearer " + config_.api_key);
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
    return request;
  }

  const core::ProviderConfig& config_;
};

}  // namespace

std::unique_ptr<core::Provider> make_openai_provider(const core::ProviderConfig& config) {
  return std::make_unique<OpenAiProvider>(config);
}

}  // namespace tollgate::routing::providers
