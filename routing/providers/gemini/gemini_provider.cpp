// Gemini provider: translates the request (or refuses it with a 400 naming the field),
// sends it, and answers the client in OpenAI's shape, whole or event by event. The
// stream is begun on the first translated chunk, so that a prompt Gemini blocks, or an
// error event before any output, can still be answered with an error status.
#include "routing/providers/gemini/gemini_provider.h"

#include <ctime>
#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/common/call_outcomes.h"
#include "routing/providers/common/sse_parser.h"
#include "routing/providers/common/translating_provider.h"
#include "routing/providers/common/upstream_headers.h"
#include "routing/providers/gemini/gemini_translate.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;
using core::FailureClass;

namespace {

// Feeds Gemini's SSE events through the translator to the client.
class GeminiStream : public core::StreamReceiver {
 public:
  GeminiStream(core::Exchange& exchange, core::ResponseSink& sink,
               gemini::StreamTranslator& translator)
      : exchange_(exchange), sink_(sink), translator_(translator) {}

  asio::awaitable<void> on_head(const core::UpstreamResponse& head) override {
    status_ = head.status;
    is_event_stream_ = head.status >= 200 && head.status <= 299 &&
                       head.headers.get("content-type").starts_with("text/event-stream");
    co_return;
  }

  asio::awaitable<void> on_data(std::string_view bytes) override {
    if (!is_event_stream_) {
      core::append_answer_bytes(collected_, bytes);
      co_return;
    }
    events_.clear();
    parser_.feed(bytes, events_);
    for (auto& event : events_) {
      if (event.data.empty() || event.is_done() || stopped()) continue;
      chunks_.clear();
      translator_.on_event(event.data, chunks_);
      if (translator_.usage().reported) exchange_.usage = translator_.usage();
      co_await send(chunks_);
      if (translator_.error() && started_) {
        std::vector<std::string> tail{translator_.error()->response.body, "[DONE]"};
        co_await send(tail);
        co_await sink_.end_stream();
        ended_ = true;
      }
    }
  }

  // Sends `chunks`, beginning the stream before the first.
  asio::awaitable<void> send(std::vector<std::string>& chunks) {
    for (auto& data : chunks) {
      if (!started_) {
        started_ = true;
        exchange_.streamed = true;
        core::Headers no_headers;
        co_await sink_.begin_stream(200, no_headers);
      }
      core::Chunk chunk{"", std::move(data)};
      co_await sink_.send_chunk(chunk);
    }
  }

  bool stopped() const {
    return ended_ || translator_.error().has_value() || !translator_.blocked().empty();
  }
  bool is_event_stream() const { return is_event_stream_; }
  bool started() const { return started_; }
  bool ended() const { return ended_; }
  int status() const { return status_; }
  std::string& collected() { return collected_; }

 private:
  core::Exchange& exchange_;
  core::ResponseSink& sink_;
  gemini::StreamTranslator& translator_;
  bool is_event_stream_ = false;
  bool started_ = false;
  bool ended_ = false;
  int status_ = 0;
  SseParser parser_;
  std::vector<core::Chunk> events_;
  std::vector<std::string> chunks_;
  std::string collected_;
};

class GeminiProvider final : public TranslatingProvider {
 public:
  explicit GeminiProvider(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }

 private:
  asio::awaitable<CallOutcome> translate_and_call(core::Exchange& exchange,
                                                  const core::TargetConfig& target,
                                                  core::CallContext& context) override {
    if (exchange.operation == core::Operation::embeddings) {
      co_return co_await embed(exchange, target, context);
    }
    if (exchange.operation != core::Operation::chat_completions) {
      core::Response error;
      error.status = 400;
      error.headers.set("content-type", "application/json");
      error.body = core::error_body(
          core::ErrorKind::invalid_request,
          "the Gemini provider '" + config_.name +
              "' translates /v1/chat/completions and /v1/embeddings only; " + exchange.path +
              " is not supported for model '" + exchange.json.model.value_or("") + "'",
          "model");
      co_return refused(std::move(error), FailureClass::client_error, "operation not supported");
    }
    gemini::TranslatedRequest translated = gemini::translate_request(exchange.body);
    if (!translated.ok) {
      co_return refused(gemini::unsupported_field_response(translated), FailureClass::client_error,
                        "request not expressible for gemini");
    }

    core::UpstreamRequest request = base_request(exchange);
    request.target =
        gemini::generate_target(config_.base_url.path, target.model, translated.stream);
    request.body = std::move(translated.body);
    request.stream = translated.stream;

    gemini::AnswerContext answer;
    answer.id = "chatcmpl-" + exchange.request_id;
    answer.model = target.model;
    answer.created = static_cast<std::int64_t>(std::time(nullptr));

    core::UpstreamResponse response;
    if (!translated.stream) {
      std::optional<CallOutcome> failure;
      try {
        response = co_await context.upstream.send(config_, request, nullptr);
      } catch (const core::UpstreamError& e) {
        failure = failed(e.failure(), e.what());
      }
      if (failure) co_return std::move(*failure);
      co_return co_await finish_whole(exchange, response, answer, context.sink);
    }

    gemini::StreamTranslator translator(answer, translated.include_usage);
    GeminiStream stream(exchange, context.sink, translator);
    std::optional<CallOutcome> failure;
    try {
      response = co_await context.upstream.send(config_, request, &stream);
    } catch (const core::UpstreamError& e) {
      failure = failed(e.failure(), e.what());
    }
    if (failure) {
      if (context.sink.committed() && !stream.ended()) {
        // Too late for a status or a fallback: end the stream with an error event.
        core::Chunk error_event{"", stream_error_event(failure->failure)};
        co_await context.sink.send_chunk(error_event);
        core::Chunk done{"", "[DONE]"};
        co_await context.sink.send_chunk(done);
        co_await context.sink.end_stream();
      }
      co_return std::move(*failure);
    }
    if (response.status < 200 || response.status > 299 || !stream.is_event_stream()) {
      if (stream.status() != 0 && response.body.empty())
        response.body = std::move(stream.collected());
      if (response.status >= 200 && response.status <= 299) {
        co_return failed(FailureClass::server_error,
                         "gemini answered a stream request without an event stream",
                         response.status);
      }
      co_return error_outcome(response);
    }
    if (const auto& error = translator.error()) {
      CallOutcome outcome = failed(error->failure, "gemini stream carried an error event", 200);
      if (!stream.started()) outcome.upstream_error = error->response;
      co_return outcome;
    }
    if (!translator.blocked().empty() && !stream.started()) {
      co_return refused(gemini::blocked_prompt_response(translator.blocked()),
                        FailureClass::content_filter, "gemini blocked the prompt", 200);
    }
    std::vector<std::string> tail;
    translator.finish(tail);
    if (translator.usage().reported) exchange.usage = translator.usage();
    co_await stream.send(tail);
    co_await context.sink.end_stream();
    if (translator.content_filtered() || !translator.blocked().empty()) {
      co_return failed(FailureClass::content_filter, "gemini filtered the completion", 200);
    }
    co_return CallOutcome{};
  }

  core::UpstreamRequest base_request(core::Exchange& exchange) const {
    core::UpstreamRequest request;
    request.method = "POST";
    request.headers = forwardable_request_headers(exchange.request_headers, config_);
    request.headers.remove("x-goog-api-key");
    if (!config_.api_key.empty()) request.headers.set("x-goog-api-key", config_.api_key);
    for (const auto& field : config_.headers) request.headers.set(field.name, field.value);
    request.headers.set("x-request-id", exchange.request_id);
    request.headers.set("content-type", "application/json");
    request.timeout = exchange.attempt_timeout;
    request.abort = &exchange.client_gone;
    return request;
  }

  // /v1/embeddings through :batchEmbedContents. Gemini reports no token usage for
  // embeddings, so the request's usage stays the gateway's estimate.
  asio::awaitable<CallOutcome> embed(core::Exchange& exchange, const core::TargetConfig& target,
                                     core::CallContext& context) const {
    gemini::TranslatedEmbeddings translated =
        gemini::translate_embeddings_request(exchange.body, target.model);
    if (!translated.ok) {
      gemini::TranslatedRequest refusal;
      refusal.param = translated.param;
      refusal.message = translated.message;
      co_return refused(gemini::unsupported_field_response(refusal), FailureClass::client_error,
                        "embeddings request not expressible for gemini");
    }
    core::UpstreamRequest request = base_request(exchange);
    request.target = gemini::embed_target(config_.base_url.path, target.model);
    request.body = std::move(translated.body);
    core::UpstreamResponse response;
    std::optional<CallOutcome> failure;
    try {
      response = co_await context.upstream.send(config_, request, nullptr);
    } catch (const core::UpstreamError& e) {
      failure = failed(e.failure(), e.what());
    }
    if (failure) co_return std::move(*failure);
    if (response.status < 200 || response.status > 299) co_return error_outcome(response);
    core::Response out;
    out.status = 200;
    out.headers.set("content-type", "application/json");
    out.body = gemini::translate_embeddings_response(response.body, target.model, translated.base64,
                                                     core::estimate_prompt_tokens(exchange.json));
    if (out.body.empty()) {
      co_return failed(FailureClass::server_error, "gemini answered with an unreadable body",
                       response.status);
    }
    co_await context.sink.send(out);
    co_return CallOutcome{};
  }

  CallOutcome error_outcome(const core::UpstreamResponse& response) const {
    gemini::MappedError mapped =
        gemini::map_error(response.status, response.body, response.headers.get("retry-after"));
    return refused(std::move(mapped.response), mapped.failure,
                   "provider answered HTTP " + std::to_string(response.status), response.status);
  }

  asio::awaitable<CallOutcome> finish_whole(core::Exchange& exchange,
                                            core::UpstreamResponse& response,
                                            const gemini::AnswerContext& answer,
                                            core::ResponseSink& sink) const {
    if (response.status < 200 || response.status > 299) co_return error_outcome(response);
    gemini::TranslatedAnswer translated = gemini::translate_response(response.body, answer);
    if (!translated.ok) {
      co_return failed(FailureClass::server_error, "gemini answered with an unreadable body",
                       response.status);
    }
    if (translated.usage.reported) exchange.usage = translated.usage;
    if (!translated.blocked.empty()) {
      co_return refused(gemini::blocked_prompt_response(translated.blocked),
                        FailureClass::content_filter, "gemini blocked the prompt", response.status);
    }
    core::Response out;
    out.status = 200;
    out.headers.set("content-type", "application/json");
    out.body = std::move(translated.body);
    co_await sink.send(out);
    if (translated.content_filtered) {
      co_return failed(FailureClass::content_filter, "gemini filtered the completion",
                       response.status);
    }
    co_return CallOutcome{};
  }

  const core::ProviderConfig& config_;
};

}  // namespace

std::unique_ptr<core::Provider> make_gemini_provider(const core::ProviderConfig& config) {
  return std::make_unique<GeminiProvider>(config);
}

}  // namespace tollgate::routing::providers
