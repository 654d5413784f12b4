// One attempt, whatever the dialect. Frame discipline: a stream holds this coroutine's
// frame for minutes, so the outcome is written through a reference, whole answers are
// mapped in a coroutine of their own, and the error ending runs in its own frame.
#include "routing/providers/common/attempt_driver.h"

#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/common/sse_parser.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;
using core::FailureClass;

namespace {

const core::Headers kNoHeaders;

bool is_success(int status) {
  return status >= 200 && status <= 299;
}

void fail(CallOutcome& outcome, DialectFailure&& failure, int status) {
  outcome.failure = failure.failure;
  outcome.detail = std::move(failure.detail);
  outcome.upstream_status = status;
  outcome.upstream_error = std::move(failure.response);
}

void fail(CallOutcome& outcome, FailureClass failure, std::string detail, int status) {
  outcome.failure = failure;
  outcome.detail = std::move(detail);
  outcome.upstream_status = status;
}

// Too late for a status or a fallback: `data` as the last event, then [DONE] (as OpenAI
// ends streams), then the end.
asio::awaitable<void> end_with_error_event(core::ResponseSink& sink, std::string& data) {
  core::Chunk error_event{"", std::move(data)};
  co_await sink.send_chunk(error_event);
  core::Chunk done{"", "[DONE]"};
  co_await sink.send_chunk(done);
  co_await sink.end_stream();
}

asio::awaitable<void> end_with_failure(core::ResponseSink& sink, FailureClass failure) {
  std::string data = core::stream_error_data(failure);
  co_await end_with_error_event(sink, data);
}

// Receives a streamed 2xx answer: SSE events through the dialect's translator, each
// resulting chunk to the client.
class StreamPump final : public core::StreamReceiver {
 public:
  StreamPump(const Dialect& dialect, Attempt& attempt, core::ResponseSink& sink)
      : dialect_(dialect), attempt_(attempt), sink_(sink) {}

  asio::awaitable<void> on_head(const core::UpstreamResponse& head) override {
    status_ = head.status;
    std::string_view type = head.headers.get("content-type");
    if (!type.starts_with("text/event-stream")) {
      if (attempt_.relay_bytes) co_await begin_bytes(head.status, type);
      co_return;
    }
    translator_ = dialect_.stream_translator(attempt_);
    hide_usage_ = attempt_.usage_forced && !attempt_.exchange.json.include_usage;
    if (dialect_.relays_openai_streams()) co_await begin(head.status);
  }

  asio::awaitable<void> on_data(std::string_view bytes) override {
    if (relaying_bytes_) {
      co_await sink_.send_bytes(bytes);
      co_return;
    }
    if (!translator_) {
      core::append_answer_bytes(collected_, bytes);
      co_return;
    }
    events_.clear();
    parser_.feed(bytes, events_);
    for (auto& event : events_) {
      if (stopped()) break;
      out_.clear();
      translator_->on_event(event, out_);
      const StreamTranslator::State& state = translator_->state();
      if (state.usage.reported) attempt_.exchange.usage = state.usage;
      co_await forward();
      if (state.error && started_) {
        std::string data = state.error->response ? state.error->response->body
                                                 : core::stream_error_data(state.error->failure);
        ended_ = true;
        co_await end_with_error_event(sink_, data);
      } else if (state.finished) {
        ended_ = true;
        co_await sink_.end_stream();
      }
    }
  }

  // The upstream body ended and the stream is still open: the translator's tail, then the
  // end; or, when the answer was cut short, the failure (an error event if too late).
  asio::awaitable<void> finish(CallOutcome& outcome) {
    out_.clear();
    if (auto cut = translator_->on_end(out_)) {
      fail(outcome, std::move(*cut), status_);
      outcome.upstream_error.reset();
      if (started_) {
        ended_ = true;
        co_await end_with_failure(sink_, outcome.failure);
      }
      co_return;
    }
    const StreamTranslator::State& state = translator_->state();
    if (state.usage.reported) attempt_.exchange.usage = state.usage;
    co_await forward();
    if (!started_) co_await begin(status_);
    ended_ = true;
    co_await sink_.end_stream();
  }

  bool is_event_stream() const { return translator_ != nullptr; }
  bool relaying_bytes() const { return relaying_bytes_; }
  bool started() const { return started_; }
  bool ended() const { return ended_; }
  int status() const { return status_; }
  std::string& collected() { return collected_; }
  const StreamTranslator::State* state() const {
    return translator_ ? &translator_->state() : nullptr;
  }

 private:
  bool stopped() const {
    const StreamTranslator::State& state = translator_->state();
    return ended_ || state.finished || state.error != nullptr;
  }

  asio::awaitable<void> begin(int status) {
    started_ = true;
    attempt_.exchange.streamed = true;
    co_await sink_.begin_stream(status, kNoHeaders);
  }

  // A binary answer (audio): the client's stream begins with the provider's content type.
  asio::awaitable<void> begin_bytes(int status, std::string_view type) {
    relaying_bytes_ = true;
    started_ = true;
    attempt_.exchange.streamed = true;
    core::Headers headers;
    headers.set("content-type", type.empty() ? "application/octet-stream" : type);
    co_await sink_.begin_stream(status, headers);
  }

  // Sends what the translator made, beginning the client's stream before the first chunk;
  // the usage-only chunk is dropped when the gateway asked for it on its own account.
  asio::awaitable<void> forward() {
    std::vector<core::Chunk>& chunks = out_.chunks();
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (hide_usage_ && out_.is_usage_only(i)) continue;
      if (!started_) co_await begin(200);
      co_await sink_.send_chunk(chunks[i]);
    }
  }

  const Dialect& dialect_;
  Attempt& attempt_;
  core::ResponseSink& sink_;
  std::unique_ptr<StreamTranslator> translator_;  // set when the answer is an event stream
  bool hide_usage_ = false;
  bool relaying_bytes_ = false;
  bool started_ = false;
  bool ended_ = false;
  int status_ = 0;
  SseParser parser_;
  std::vector<core::Chunk> events_;
  StreamOut out_;
  std::string collected_;  // a 2xx answer that came whole to a stream request
};

// A 2xx answer that came whole: mapped by the dialect, usage read, sent unless the
// dialect found it a failure (or sent and then reported, as a filtered completion).
asio::awaitable<void> relay_whole(const Dialect& dialect, Attempt& attempt,
                                  core::UpstreamResponse& upstream, core::ResponseSink& sink,
                                  CallOutcome& outcome) {
  WholeAnswer answer;
  dialect.map_answer(attempt, upstream, answer);
  if (answer.usage.reported) attempt.exchange.usage = answer.usage;
  if (answer.failure && !answer.failure_after_send) {
    fail(outcome, std::move(*answer.failure), upstream.status);
    co_return;
  }
  co_await sink.send(answer.response);
  if (answer.failure) {
    fail(outcome, answer.failure->failure, std::move(answer.failure->detail), upstream.status);
  }
}

// Not a coroutine: what the dialect builds or refuses never sits on the attempt's frame.
bool build_request(const Dialect& dialect, Attempt& attempt, core::UpstreamRequest& request,
                   CallOutcome& outcome) {
  if (auto refusal = dialect.build(attempt, request)) {
    fail(outcome, std::move(*refusal), 0);
    return false;
  }
  request.timeout = attempt.exchange.attempt_timeout;
  request.abort = &attempt.exchange.client_gone;
  return true;
}

// The stream ran to the end of the upstream body (or the translator finished): what the
// translator reported becomes the outcome.
void judge_stream(const StreamTranslator::State& state, bool started, int status,
                  CallOutcome& outcome) {
  if (state.error) {
    DialectFailure failure = *state.error;
    if (started) failure.response.reset();  // the client had it as the last event
    fail(outcome, std::move(failure), status);
  } else if (!state.filtered.empty()) {
    fail(outcome, FailureClass::content_filter, state.filtered, status);
  }
}

}  // namespace

asio::awaitable<void> DialectProvider::call(core::Exchange& exchange,
                                            const core::TargetConfig& target,
                                            core::CallContext context, CallOutcome& outcome) {
  Attempt attempt{exchange, target};
  // One request and one response for every path: each local of a coroutine lives on its
  // frame, and a stream holds the frame for minutes.
  core::UpstreamRequest request;
  if (!build_request(*dialect_, attempt, request, outcome)) co_return;
  core::UpstreamResponse response;
  StreamPump pump(*dialect_, attempt, context.sink);
  try {
    response = co_await context.upstream.send(dialect_->config(), request,
                                              request.stream ? &pump : nullptr);
  } catch (const core::UpstreamError& e) {
    fail(outcome, e.failure(), e.what(), 0);
  }
  if (pump.relaying_bytes()) {
    // Cut short: no end of stream, so the client sees the answer was cut (the connection
    // closes without chunked framing's last chunk); an event would corrupt the audio.
    if (outcome.failure == FailureClass::none) co_await context.sink.end_stream();
    co_return;
  }
  if (outcome.failure != FailureClass::none) {
    // A transport failure after the answer ended well (trailing bytes) cost the client
    // nothing.
    if (pump.state() != nullptr && pump.state()->finished) {
      outcome = CallOutcome{};
    } else {
      if (context.sink.committed() && !pump.ended()) {
        co_await end_with_failure(context.sink, outcome.failure);
      }
      co_return;
    }
  } else if (!pump.is_event_stream()) {
    if (!is_success(response.status)) {
      fail(outcome, dialect_->map_error(response), response.status);
      co_return;
    }
    if (request.stream && !dialect_->relays_openai_streams()) {
      fail(outcome, FailureClass::server_error,
           "the provider answered a stream request without an event stream", response.status);
      co_return;
    }
    if (pump.status() != 0) response.body = std::move(pump.collected());
    co_await relay_whole(*dialect_, attempt, response, context.sink, outcome);
    co_return;
  }
  if (!pump.ended() && !pump.state()->error) {
    co_await pump.finish(outcome);
    if (outcome.failure != FailureClass::none) co_return;
  }
  judge_stream(*pump.state(), pump.started(), pump.status(), outcome);
}

}  // namespace tollgate::routing::providers
