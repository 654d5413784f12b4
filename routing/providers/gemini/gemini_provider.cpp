// The Gemini dialect: the request translated (or refused with a 400 naming the field),
// answers translated to OpenAI's shape, whole or event by event (gemini_translate.h).
// The driver begins the client's stream with the first translated chunk, so a prompt
// Gemini blocks, or an error event before any output, still gets an error status.
#include "routing/providers/gemini/gemini_provider.h"

#include <ctime>
#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/common/attempt_driver.h"
#include "routing/providers/common/upstream_headers.h"
#include "routing/providers/gemini/gemini_translate.h"

namespace tollgate::routing::providers {

using core::FailureClass;

namespace {

constexpr unsigned kBase64Embeddings = 1;  // Attempt::note: the client asked for base64
constexpr std::string_view kFiltered = "gemini filtered the completion";

gemini::AnswerContext answer_context(const Attempt& attempt) {
  gemini::AnswerContext answer;
  answer.id = "chatcmpl-" + attempt.exchange.request_id;
  answer.model = attempt.target.model;
  answer.created = static_cast<std::int64_t>(std::time(nullptr));
  return answer;
}

// gemini::StreamTranslator behind the driver's interface. A blocked prompt before any
// output is an error (a status, a fallback); after some, the rest is ignored and the
// answer ends filtered.
class GeminiTranslator final : public StreamTranslator {
 public:
  GeminiTranslator(gemini::AnswerContext context, bool include_usage)
      : translator_(std::move(context), include_usage) {}

  void on_event(core::Chunk& event, StreamOut& out) override {
    if (event.data.empty() || event.is_done() || stopped_) return;
    chunks_.clear();
    translator_.on_event(event.data, chunks_);
    emitted_ = emitted_ || !chunks_.empty();
    for (auto& data : chunks_) out.push(std::move(data));
    if (translator_.usage().reported) state_.usage = translator_.usage();
    if (const auto& error = translator_.error(); error && !state_.error) {
      state_.error = std::make_unique<DialectFailure>(
          DialectFailure{error->failure, "gemini stream carried an error event", error->response});
    } else if (!translator_.blocked().empty()) {
      stopped_ = true;
      if (!emitted_) {
        state_.error = std::make_unique<DialectFailure>(
            DialectFailure{FailureClass::content_filter, "gemini blocked the prompt",
                           gemini::blocked_prompt_response(translator_.blocked())});
      }
    }
  }

  std::optional<DialectFailure> on_end(StreamOut& out) override {
    chunks_.clear();
    translator_.finish(chunks_);
    for (auto& data : chunks_) out.push(std::move(data));
    if (translator_.usage().reported) state_.usage = translator_.usage();
    if (translator_.content_filtered() || !translator_.blocked().empty()) {
      state_.filtered = kFiltered;
    }
    return std::nullopt;
  }

 private:
  gemini::StreamTranslator translator_;
  std::vector<std::string> chunks_;
  bool emitted_ = false;
  bool stopped_ = false;
};

class GeminiDialect final : public Dialect {
 public:
  explicit GeminiDialect(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }

  std::optional<DialectFailure> build(Attempt& attempt,
                                      core::UpstreamRequest& request) const override {
    const core::Exchange& exchange = attempt.exchange;
    if (exchange.operation == core::Operation::embeddings)
      return build_embeddings(attempt, request);
    if (exchange.operation != core::Operation::chat_completions) {
      return DialectFailure{
          FailureClass::client_error, "operation not supported",
          core::error_response(core::ErrorKind::invalid_request,
                               "the Gemini provider '" + config_.name +
                                   "' translates /v1/chat/completions and /v1/embeddings only; " +
                                   exchange.path + " is not supported for model '" +
                                   exchange.json.model.value_or("") + "'",
                               "model")};
    }
    gemini::TranslatedRequest translated = gemini::translate_request(exchange.body);
    if (!translated.ok) {
      return DialectFailure{FailureClass::client_error, "request not expressible for gemini",
                            gemini::unsupported_field_response(translated)};
    }
    add_headers(exchange, request);
    request.target =
        gemini::generate_target(config_.base_url.path, attempt.target.model, translated.stream);
    request.body = std::move(translated.body);
    request.stream = translated.stream;
    return std::nullopt;
  }

  void map_answer(Attempt& attempt, core::UpstreamResponse& upstream,
                  WholeAnswer& out) const override {
    out.response.status = 200;
    out.response.headers.set("content-type", "application/json");
    if (attempt.exchange.operation == core::Operation::embeddings) {
      // Gemini reports no token usage for embeddings: the usage stays the estimate.
      out.response.body = gemini::translate_embeddings_response(
          upstream.body, attempt.target.model, attempt.note == kBase64Embeddings,
          core::estimate_prompt_tokens(attempt.exchange.json));
      if (out.response.body.empty()) out.failure = unreadable();
      return;
    }
    gemini::TranslatedAnswer translated =
        gemini::translate_response(upstream.body, answer_context(attempt));
    if (!translated.ok) {
      out.failure = unreadable();
      return;
    }
    if (translated.usage.reported) out.usage = translated.usage;
    if (!translated.blocked.empty()) {
      out.failure = DialectFailure{FailureClass::content_filter, "gemini blocked the prompt",
                                   gemini::blocked_prompt_response(translated.blocked)};
      return;
    }
    out.response.body = std::move(translated.body);
    if (translated.content_filtered) {
      out.filtered(std::string(kFiltered));
    }
  }

  std::unique_ptr<StreamTranslator> stream_translator(const Attempt& attempt) const override {
    return std::make_unique<GeminiTranslator>(answer_context(attempt),
                                              attempt.exchange.json.include_usage);
  }

  DialectFailure map_error(const core::UpstreamResponse& upstream) const override {
    return upstream_failure(gemini::map_error, upstream);
  }

 private:
  static DialectFailure unreadable() {
    return DialectFailure{FailureClass::server_error, "gemini answered with an unreadable body",
                          std::nullopt};
  }

  void add_headers(const core::Exchange& exchange, core::UpstreamRequest& request) const {
    request.method = "POST";
    request.headers = forwardable_request_headers(exchange.request_headers, config_);
    request.headers.remove("x-goog-api-key");
    if (!config_.api_key.empty()) request.headers.set("x-goog-api-key", config_.api_key);
    add_gateway_headers(request.headers, config_, exchange.request_id);
    request.headers.set("content-type", "application/json");
  }

  // /v1/embeddings through :batchEmbedContents.
  std::optional<DialectFailure> build_embeddings(Attempt& attempt,
                                                 core::UpstreamRequest& request) const {
    gemini::TranslatedEmbeddings translated =
        gemini::translate_embeddings_request(attempt.exchange.body, attempt.target.model);
    if (!translated.ok) {
      gemini::TranslatedRequest refusal;
      refusal.param = translated.param;
      refusal.message = translated.message;
      return DialectFailure{FailureClass::client_error,
                            "embeddings request not expressible for gemini",
                            gemini::unsupported_field_response(refusal)};
    }
    add_headers(attempt.exchange, request);
    request.target = gemini::embed_target(config_.base_url.path, attempt.target.model);
    request.body = std::move(translated.body);
    attempt.note = translated.base64 ? kBase64Embeddings : 0;
    return std::nullopt;
  }

  const core::ProviderConfig& config_;
};

std::unique_ptr<core::Provider> make_gemini_provider(const core::ProviderConfig& config,
                                                     const core::NoProviderSettings&) {
  return std::make_unique<DialectProvider>(std::make_unique<GeminiDialect>(config));
}

}  // namespace

core::ProviderKind gemini_provider_kind() {
  return core::provider_kind<core::NoProviderSettings>("gemini", {}, true, nullptr,
                                                       make_gemini_provider);
}

}  // namespace tollgate::routing::providers
