// Moved here from the OpenAI provider unchanged, so that Azure OpenAI relays the same way.
#include "routing/providers/common/openai_relay.h"

#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/common/call_outcomes.h"
#include "routing/providers/common/sse_parser.h"
#include "routing/providers/common/usage_json.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::CallOutcome;
using core::FailureClass;

namespace {

bool is_openai_error_body(std::string_view body) {
  // Cheap and sufficient: OpenAI errors are objects whose first key is "error".
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || body[first] != '{') return false;
  std::size_t key = body.find_first_not_of(" \t\r\n", first + 1);
  return key != std::string_view::npos && body.substr(key, 7) == "\"error\"";
}

core::ErrorKind kind_for_status(int status) {
  if (status == 429) return core::ErrorKind::rate_limited;
  if (status == 401) return core::ErrorKind::invalid_api_key;
  if (status == 403) return core::ErrorKind::forbidden;
  if (status == 404) return core::ErrorKind::not_found;
  if (status == 413) return core::ErrorKind::request_too_large;
  if (status >= 500) return core::ErrorKind::upstream_unreachable;
  return core::ErrorKind::invalid_request;
}

// Relays a streamed answer event by event, reading usage on the way and hiding the
// usage chunk the gateway asked for on its own account.
class StreamRelay : public core::StreamReceiver {
 public:
  StreamRelay(core::Exchange& exchange, core::ResponseSink& sink, const OpenAiRelayOptions& options)
      : exchange_(exchange), sink_(sink), options_(options) {}

  asio::awaitable<void> on_head(const core::UpstreamResponse& head) override {
    status_ = head.status;
    is_event_stream_ = head.headers.get("content-type").starts_with("text/event-stream");
    if (is_event_stream_) {
      exchange_.streamed = true;
      core::Headers no_headers;
      co_await sink_.begin_stream(head.status, no_headers);
    }
  }

  asio::awaitable<void> on_data(std::string_view bytes) override {
    if (!is_event_stream_) {
      core::append_answer_bytes(collected_, bytes);
      co_return;
    }
    events_.clear();
    parser_.feed(bytes, events_);
    for (auto& event : events_) {
      if (event.is_done()) {
        saw_done_ = true;
      } else {
        ChunkFacts facts = read_usage(event.data, exchange_.usage);
        if (options_.report_content_filter && has_content_filter_finish(event.data)) {
          saw_content_filter_ = true;
        }
        if (facts.usage_only && options_.hide_usage_chunk) continue;
      }
      co_await sink_.send_chunk(event);
    }
  }

  bool is_event_stream() const { return is_event_stream_; }
  bool saw_done() const { return saw_done_; }
  bool saw_content_filter() const { return saw_content_filter_; }
  int status() const { return status_; }
  std::string& collected() { return collected_; }

 private:
  core::Exchange& exchange_;
  core::ResponseSink& sink_;
  const OpenAiRelayOptions& options_;
  bool is_event_stream_ = false;
  bool saw_done_ = false;
  bool saw_content_filter_ = false;
  int status_ = 0;
  SseParser parser_;
  std::vector<core::Chunk> events_;
  std::string collected_;
};

CallOutcome content_filtered_outcome(int status) {
  return failed(FailureClass::content_filter, "the provider filtered the completion", status);
}

// Writes what came into `outcome` rather than returning it: a coroutine keeps each
// co_await's result on its frame, and a stream holds its frames for minutes.
asio::awaitable<void> finish_whole(core::Exchange& exchange, core::UpstreamResponse& response,
                                   const OpenAiRelayOptions& options, core::ResponseSink& sink,
                                   CallOutcome& outcome) {
  if (response.status >= 200 && response.status <= 299) {
    read_usage(response.body, exchange.usage);
    bool filtered = options.report_content_filter && has_content_filter_finish(response.body);
    core::Response out;
    out.status = response.status;
    std::string_view type = response.headers.get("content-type");
    out.headers.set("content-type", type.empty() ? "application/json" : type);
    out.body = std::move(response.body);
    co_await sink.send(out);
    if (filtered) outcome = content_filtered_outcome(response.status);
    co_return;
  }
  outcome = failed(classify_openai_error(response.status, response.body),
                   "provider answered HTTP " + std::to_string(response.status), response.status);
  outcome.upstream_error = openai_client_facing_error(response);
}

// Too late for a status or a fallback: the stream ends with an error event. Its own
// coroutine, so that the events live on a frame only when this happens.
asio::awaitable<void> end_stream_with_error(core::ResponseSink& sink, FailureClass failure) {
  core::Chunk error_event{"", stream_error_event(failure)};
  co_await sink.send_chunk(error_event);
  core::Chunk done{"", "[DONE]"};
  co_await sink.send_chunk(done);
  co_await sink.end_stream();
}

}  // namespace

bool has_content_filter_finish(std::string_view json) {
  constexpr std::string_view kKey = "\"finish_reason\"";
  for (std::size_t at = json.find(kKey); at != std::string_view::npos;
       at = json.find(kKey, at + kKey.size())) {
    std::size_t value = json.find_first_not_of(" \t\r\n:", at + kKey.size());
    if (value != std::string_view::npos && json.substr(value, 16) == "\"content_filter\"") {
      return true;
    }
  }
  return false;
}

core::Response openai_client_facing_error(const core::UpstreamResponse& upstream) {
  core::Response out;
  out.status = upstream.status;
  out.headers.set("content-type", "application/json");
  if (is_openai_error_body(upstream.body)) {
    out.body = upstream.body;
  } else {
    out.body = core::error_body(
        kind_for_status(upstream.status),
        "the provider answered with HTTP status " + std::to_string(upstream.status));
  }
  if (auto retry_after = upstream.headers.get("retry-after"); !retry_after.empty()) {
    out.headers.set("retry-after", retry_after);
  }
  return out;
}

FailureClass classify_openai_error(int status, std::string_view body) {
  // 401/403 answer the gateway's key, not the client's request.
  if (status == 401 || status == 403) return FailureClass::credentials_refused;
  if (status == 429) return FailureClass::rate_limit;
  if (status == 408) return FailureClass::timeout;
  if (status >= 500) return FailureClass::server_error;
  if (body.find("context_length_exceeded") != std::string_view::npos) {
    return FailureClass::context_length;
  }
  if (body.find("content_filter") != std::string_view::npos ||
      body.find("content_policy_violation") != std::string_view::npos) {
    return FailureClass::content_filter;
  }
  return FailureClass::client_error;
}

asio::awaitable<void> relay_openai_call(core::Exchange& exchange,
                                        const core::ProviderConfig& provider,
                                        core::UpstreamRequest& request,
                                        const OpenAiRelayOptions& options,
                                        core::CallContext& context, CallOutcome& outcome) {
  // One response for every path: each local of a coroutine lives on its frame, and a
  // stream holds the frame for minutes.
  core::UpstreamResponse response;
  StreamRelay relay(exchange, context.sink, options);
  try {
    response = co_await context.upstream.send(provider, request, request.stream ? &relay : nullptr);
  } catch (const core::UpstreamError& e) {
    outcome = failed(e.failure(), e.what());
  }
  if (outcome.failure != FailureClass::none) {
    if (context.sink.committed()) co_await end_stream_with_error(context.sink, outcome.failure);
    co_return;
  }
  if (response.status < 200 || response.status > 299 || !relay.is_event_stream()) {
    // A whole answer, or a stream that was refused or came back as JSON after all.
    if (relay.status() != 0) response.body = std::move(relay.collected());
    co_await finish_whole(exchange, response, options, context.sink, outcome);
    co_return;
  }
  co_await context.sink.end_stream();
  if (relay.saw_content_filter()) outcome = content_filtered_outcome(response.status);
}

}  // namespace tollgate::routing::providers
