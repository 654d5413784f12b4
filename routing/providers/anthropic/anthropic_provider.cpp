// Anthropic provider: translates the request (or refuses it with a 400 naming the field),
// sends it to /v1/messages, and answers the client in OpenAI's shape, whole or event by
// event. The client's stream begins with the first translated chunk, so an error Anthropic
// sends as an event right after message_start (overloaded_error, typically) is still
// answered with an error status and may fall back.
#include "routing/providers/anthropic/anthropic_provider.h"

#include <ctime>
#include <optional>
#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/anthropic/anthropic_request.h"
#include "routing/providers/anthropic/anthropic_response.h"
#include "routing/providers/anthropic/anthropic_stream.h"
#include "routing/providers/common/call_outcomes.h"
#include "routing/providers/common/sse_parser.h"
#include "routing/providers/common/translating_provider.h"
#include "routing/providers/common/upstream_headers.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;
using core::FailureClass;

namespace {

// Feeds Anthropic's SSE events through the translator to the client.
class AnthropicStream : public core::StreamReceiver {
 public:
  AnthropicStream(core::Exchange& exchange, core::ResponseSink& sink,
                  anthropic::StreamTranslator& translator)
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
      if (ended_ || translator_.finished() || translator_.error()) break;
      chunks_.clear();
      translator_.on_event(event.event, event.data, chunks_);
      if (translator_.usage().reported) exchange_.usage = translator_.usage().to_core();
      co_await send(chunks_);
      if (translator_.error() && started_) {
        // Too late for a status: the error as an event, then [DONE], as OpenAI ends streams.
        std::vector<std::string> tail{translator_.error()->response.body, "[DONE]"};
        co_await send(tail);
        co_await sink_.end_stream();
        ended_ = true;
      } else if (translator_.finished()) {
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

  bool is_event_stream() const { return is_event_stream_; }
  bool started() const { return started_; }
  bool ended() const { return ended_; }
  int status() const { return status_; }
  std::string& collected() { return collected_; }

 private:
  core::Exchange& exchange_;
  core::ResponseSink& sink_;
  anthropic::StreamTranslator& translator_;
  bool is_event_stream_ = false;
  bool started_ = false;
  bool ended_ = false;
  int status_ = 0;
  SseParser parser_;
  std::vector<core::Chunk> events_;
  std::vector<std::string> chunks_;
  std::string collected_;
};

class AnthropicProvider final : public TranslatingProvider {
 public:
  AnthropicProvider(const core::ProviderConfig& config, std::string api_version)
      : config_(config), api_version_(std::move(api_version)) {}
  const core::ProviderConfig& config() const override { return config_; }

 private:
  asio::awaitable<CallOutcome> translate_and_call(core::Exchange& exchange,
                                                  const core::TargetConfig& target,
                                                  core::CallContext& context) override {
    if (exchange.operation != core::Operation::chat_completions) {
      core::Response error;
      error.status = 400;
      error.headers.set("content-type", "application/json");
      error.body = core::error_body(core::ErrorKind::invalid_request,
                                    "the Anthropic provider '" + config_.name +
                                        "' translates /v1/chat/completions only; " + exchange.path +
                                        " is not supported for model '" +
                                        exchange.json.model.value_or("") + "'",
                                    "model");
      co_return refused(std::move(error), FailureClass::client_error, "operation not supported");
    }
    anthropic::TranslatedRequest translated =
        anthropic::translate_request(exchange.body, target.model);
    if (!translated.ok) {
      co_return refused(anthropic::refusal_response(translated), FailureClass::client_error,
                        "request not expressible for anthropic");
    }

    core::UpstreamRequest request;
    request.method = "POST";
    request.target = anthropic::messages_target(config_.base_url.path);
    request.headers =
        forwardable_request_headers(exchange.request_headers, config_, kAnthropicDialectHeaders);
    request.headers.remove("anthropic-version");
    if (!config_.api_key.empty()) request.headers.set("x-api-key", config_.api_key);
    request.headers.set("anthropic-version", api_version_);
    for (const auto& field : config_.headers) request.headers.set(field.name, field.value);
    request.headers.set("x-request-id", exchange.request_id);
    request.headers.set("content-type", "application/json");
    request.headers.set("accept", translated.stream ? "text/event-stream" : "application/json");
    request.body = std::move(translated.body);
    request.stream = translated.stream;
    request.timeout = exchange.attempt_timeout;
    request.abort = &exchange.client_gone;

    anthropic::AnswerContext answer;
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

    anthropic::StreamTranslator translator(answer, translated.include_usage);
    AnthropicStream stream(exchange, context.sink, translator);
    std::optional<CallOutcome> failure;
    try {
      response = co_await context.upstream.send(config_, request, &stream);
    } catch (const core::UpstreamError& e) {
      failure = failed(e.failure(), e.what());
    }
    // A transport failure after message_stop (the trailing bytes) cost the client nothing.
    if (failure && translator.finished()) failure.reset();
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
      if (stream.status() != 0 && response.body.empty()) {
        response.body = std::move(stream.collected());
      }
      if (response.status >= 200 && response.status <= 299) {
        co_return failed(FailureClass::server_error,
                         "anthropic answered a stream request without an event stream",
                         response.status);
      }
      co_return error_outcome(response);
    }
    if (const auto& error = translator.error()) {
      CallOutcome outcome = failed(error->failure, "anthropic stream carried an error event", 200);
      if (!stream.started()) outcome.upstream_error = error->response;
      co_return outcome;
    }
    if (!translator.finished()) {
      // The body ended without message_stop: the answer is cut short.
      if (stream.started() && !stream.ended()) {
        core::Chunk error_event{"", stream_error_event(FailureClass::server_error)};
        co_await context.sink.send_chunk(error_event);
        core::Chunk done{"", "[DONE]"};
        co_await context.sink.send_chunk(done);
        co_await context.sink.end_stream();
      }
      co_return failed(FailureClass::server_error, "anthropic stream ended before message_stop",
                       200);
    }
    if (translator.refused()) {
      co_return failed(FailureClass::content_filter, "anthropic refused (stop_reason refusal)",
                       200);
    }
    co_return CallOutcome{};
  }

  CallOutcome error_outcome(const core::UpstreamResponse& response) const {
    anthropic::MappedError mapped =
        anthropic::map_error(response.status, response.body, response.headers.get("retry-after"));
    return refused(std::move(mapped.response), mapped.failure,
                   "provider answered HTTP " + std::to_string(response.status), response.status);
  }

  asio::awaitable<CallOutcome> finish_whole(core::Exchange& exchange,
                                            core::UpstreamResponse& response,
                                            const anthropic::AnswerContext& answer,
                                            core::ResponseSink& sink) const {
    if (response.status < 200 || response.status > 299) co_return error_outcome(response);
    anthropic::TranslatedAnswer translated = anthropic::translate_message(response.body, answer);
    if (!translated.ok) {
      co_return failed(FailureClass::server_error, "anthropic answered with an unreadable body",
                       response.status);
    }
    if (translated.usage.reported) exchange.usage = translated.usage.to_core();
    core::Response out;
    out.status = 200;
    out.headers.set("content-type", "application/json");
    out.body = std::move(translated.body);
    co_await sink.send(out);
    if (translated.refused) {
      co_return failed(FailureClass::content_filter, "anthropic refused (stop_reason refusal)",
                       response.status);
    }
    co_return CallOutcome{};
  }

  const core::ProviderConfig& config_;
  std::string api_version_;
};

}  // namespace

namespace anthropic {

std::string api_version(const core::ProviderConfig& config) {
  if (config.raw && config.raw.IsMap()) {
    YAML::Node node = config.raw["api_version"];
    if (node && node.IsScalar() && !node.as<std::string>().empty()) return node.as<std::string>();
  }
  return std::string(kDefaultApiVersion);
}

}  // namespace anthropic

std::unique_ptr<core::Provider> make_anthropic_provider(const core::ProviderConfig& config) {
  return std::make_unique<AnthropicProvider>(config, anthropic::api_version(config));
}

}  // namespace tollgate::routing::providers
