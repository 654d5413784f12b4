// The Anthropic dialect: the request translated (or refused with a 400 naming the field)
// and sent to /v1/messages; answers translated to OpenAI's shape, whole or event by event
// (anthropic_response.h, anthropic_stream.h). The driver begins the client's stream with
// the first translated chunk, so an error Anthropic sends as an event right after
// message_start (overloaded_error, typically) still gets an error status and may fall back.
#include "routing/providers/anthropic/anthropic_provider.h"

#include <ctime>
#include <functional>
#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/anthropic/anthropic_request.h"
#include "routing/providers/anthropic/anthropic_response.h"
#include "routing/providers/anthropic/anthropic_stream.h"
#include "routing/providers/anthropic/messages_extras.h"
#include "routing/providers/common/attempt_driver.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

using core::FailureClass;

namespace {

constexpr std::string_view kRefused = "anthropic refused (stop_reason refusal)";

// An Anthropic client's request that no stage changed: its own body is sent.
bool sends_client_body(const core::Exchange& exchange) {
  return exchange.ingress == core::Ingress::anthropic &&
         std::hash<std::string_view>{}(exchange.body) == exchange.ingress_translation_hash;
}

// The client's body with the target's model in place of the one it asked for.
std::string client_body(const core::Exchange& exchange, std::string_view model) {
  std::string body = exchange.ingress_body;
  core::ensure_json_padding(body);
  core::RequestJson json;
  if (!core::parse_request_json(body, json, core::kMaxJsonDepthLimit).ok) return body;
  return core::splice_request_body(body, json, model, false);
}

// The chat request translated; for an Anthropic client, what it sent that the chat form
// has no place for (server tools, thinking blocks, ...) put back after the translation.
anthropic::TranslatedRequest translated_request(const core::Exchange& exchange,
                                                const Attempt& attempt) {
  const std::string& extras = exchange.ingress_extras;
  if (exchange.ingress != core::Ingress::anthropic || extras.empty()) {
    return anthropic::translate_request(exchange.body, attempt.target.model);
  }
  anthropic::TranslatedRequest translated = anthropic::translate_request(
      anthropic::without_translated_extras(exchange.body, extras), attempt.target.model);
  if (translated.ok) translated.body = anthropic::restore_extras(translated.body, extras);
  return translated;
}

anthropic::AnswerContext answer_context(const Attempt& attempt) {
  anthropic::AnswerContext answer;
  answer.id = "chatcmpl-" + attempt.exchange.request_id;
  answer.model = attempt.target.model;
  answer.created = static_cast<std::int64_t>(std::time(nullptr));
  answer.keep_blocks = attempt.exchange.ingress == core::Ingress::anthropic;
  return answer;
}

// anthropic::StreamTranslator behind the driver's interface.
class AnthropicTranslator final : public StreamTranslator {
 public:
  AnthropicTranslator(anthropic::AnswerContext context, bool include_usage)
      : translator_(std::move(context), include_usage) {}

  void on_event(core::Chunk& event, StreamOut& out) override {
    chunks_.clear();
    translator_.on_event(event.event, event.data, chunks_);
    for (auto& data : chunks_) out.push(std::move(data));
    if (translator_.usage().reported) state_.usage = translator_.usage().to_core();
    state_.finished = translator_.finished();
    if (translator_.refused() && state_.filtered.empty()) state_.filtered = kRefused;
    if (const auto& error = translator_.error(); error && !state_.error) {
      state_.error = std::make_unique<DialectFailure>(DialectFailure{
          error->failure, "anthropic stream carried an error event", error->response});
    }
  }

  std::optional<DialectFailure> on_end(StreamOut&) override {
    // The body ended without message_stop: the answer is cut short.
    return DialectFailure{FailureClass::server_error, "anthropic stream ended before message_stop",
                          std::nullopt};
  }

 private:
  anthropic::StreamTranslator translator_;
  std::vector<std::string> chunks_;
};

class AnthropicDialect final : public Dialect {
 public:
  AnthropicDialect(const core::ProviderConfig& config, std::string api_version)
      : config_(config), api_version_(std::move(api_version)) {}
  const core::ProviderConfig& config() const override { return config_; }

  std::optional<DialectFailure> build(Attempt& attempt,
                                      core::UpstreamRequest& request) const override {
    const core::Exchange& exchange = attempt.exchange;
    bool count_tokens = exchange.operation == core::Operation::count_tokens;
    if (exchange.operation != core::Operation::chat_completions && !count_tokens) {
      return DialectFailure{
          FailureClass::client_error, "operation not supported",
          core::error_response(core::ErrorKind::invalid_request,
                               "the Anthropic provider '" + config_.name +
                                   "' translates /v1/chat/completions only; " + exchange.path +
                                   " is not supported for model '" +
                                   exchange.json.model.value_or("") + "'",
                               "model")};
    }
    // An Anthropic client's own body goes as it came (the proxy handler counts tokens
    // itself when it cannot); a translation when a stage changed the request.
    bool native = sends_client_body(exchange);
    request.stream = exchange.json.stream;
    if (native) {
      request.body = client_body(exchange, attempt.target.model);
    } else {
      anthropic::TranslatedRequest translated = translated_request(exchange, attempt);
      if (!translated.ok) {
        return DialectFailure{FailureClass::client_error, "request not expressible for anthropic",
                              anthropic::refusal_response(translated)};
      }
      request.body = std::move(translated.body);
      request.stream = translated.stream;
    }
    request.method = "POST";
    request.target = anthropic::messages_target(config_.base_url.path);
    if (count_tokens) request.target += "/count_tokens";
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kAnthropicDialectHeaders);
    // The client's anthropic-version when its own body is sent (the body is written for
    // it), else the version the translation is written for.
    if (!native || !request.headers.has("anthropic-version")) {
      request.headers.set("anthropic-version", api_version_);
    }
    // An Anthropic client's betas (interleaved thinking, MCP, ...) describe its request
    // whichever way it goes: what it sent of them is put back after a stage's change.
    if (exchange.ingress != core::Ingress::anthropic) request.headers.remove("anthropic-beta");
    if (!config_.api_key.empty()) request.headers.set("x-api-key", config_.api_key);
    add_gateway_headers(request.headers, config_, exchange.request_id);
    request.headers.set("content-type", "application/json");
    request.headers.set("accept", request.stream ? "text/event-stream" : "application/json");
    return std::nullopt;
  }

  void map_answer(Attempt& attempt, core::UpstreamResponse& upstream,
                  WholeAnswer& out) const override {
    if (attempt.exchange.operation == core::Operation::count_tokens) {
      // Anthropic's own {"input_tokens": N}, which the Anthropic client reads as it is;
      // counting is free, so nothing is billed.
      out.usage.reported = true;
      out.response.status = upstream.status;
      out.response.headers.set("content-type", "application/json");
      out.response.body = std::move(upstream.body);
      return;
    }
    anthropic::TranslatedAnswer translated =
        anthropic::translate_message(upstream.body, answer_context(attempt));
    if (!translated.ok) {
      out.failure = DialectFailure{FailureClass::server_error,
                                   "anthropic answered with an unreadable body", std::nullopt};
      return;
    }
    if (translated.usage.reported) out.usage = translated.usage.to_core();
    out.response.status = 200;
    out.response.headers.set("content-type", "application/json");
    out.response.body = std::move(translated.body);
    if (translated.refused) {
      out.filtered(std::string(kRefused));
    }
  }

  std::unique_ptr<StreamTranslator> stream_translator(const Attempt& attempt) const override {
    return std::make_unique<AnthropicTranslator>(answer_context(attempt),
                                                 attempt.exchange.json.include_usage);
  }

  DialectFailure map_error(const core::UpstreamResponse& upstream) const override {
    return upstream_failure(anthropic::map_error, upstream);
  }

 private:
  const core::ProviderConfig& config_;
  std::string api_version_;
};

AnthropicSettings read_anthropic_settings(const core::ConfigReader& reader,
                                          const YAML::Node& section, const std::string& key) {
  AnthropicSettings settings;
  if (YAML::Node node = section["api_version"]; core::ConfigReader::has(node)) {
    std::string name = core::join_key(key, "api_version");
    settings.api_version = reader.string_of(node, name);
    if (settings.api_version.empty()) {
      reader.fail(node, name, "must not be empty (for example 2023-06-01)");
    }
  }
  return settings;
}

std::unique_ptr<core::Provider> make_anthropic_provider(const core::ProviderConfig& config,
                                                        const AnthropicSettings& settings) {
  return std::make_unique<DialectProvider>(
      std::make_unique<AnthropicDialect>(config, settings.api_version));
}

}  // namespace

core::ProviderKind anthropic_provider_kind() {
  return core::provider_kind<AnthropicSettings>("anthropic", {"api_version"}, true,
                                                read_anthropic_settings, make_anthropic_provider);
}

}  // namespace tollgate::routing::providers
