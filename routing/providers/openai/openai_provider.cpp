// OpenAI-dialect provider: builds the upstream request (credentials swapped, model
// spliced, usage requested for streams), relays the answer, reads usage, and classifies
// errors once for the router.
#include "routing/providers/openai/openai_provider.h"

#include <vector>

#include "gateway/core/errors.h"
#include "routing/providers/common/sse_parser.h"
#include "routing/providers/common/upstream_headers.h"
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

// The provider's own error answer, in OpenAI's shape: as it came when it already is,
// else rebuilt with the same status (an HTML page from a proxy must not reach clients).
core::Response client_facing_error(const core::UpstreamResponse& upstream) {
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

CallOutcome failed(FailureClass failure, std::string detail, int status = 0) {
  CallOutcome outcome;
  outcome.failure = failure;
  outcome.detail = std::move(detail);
  outcome.upstream_status = status;
  return outcome;
}

std::string stream_error_event(FailureClass failure) {
  auto kind = failure == FailureClass::timeout ? core::ErrorKind::upstream_timeout
                                               : core::ErrorKind::upstream_unreachable;
  return core::error_body(
      kind, "the provider's stream ended early: " + std::string(core::to_string(failure)));
}

// Relays a streamed answer event by event, reading usage on the way and hiding the
// usage chunk the gateway asked for on its own account.
class StreamRelay : public core::StreamReceiver {
 public:
  StreamRelay(core::Exchange& exchange, core::ResponseSink& sink, bool hide_usage_chunk)
      : exchange_(exchange), sink_(sink), hide_usage_chunk_(hide_usage_chunk) {}

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
      collected_.append(bytes);
      co_return;
    }
    events_.clear();
    parser_.feed(bytes, events_);
    for (auto& event : events_) {
      if (event.is_done()) {
        saw_done_ = true;
      } else {
        ChunkFacts facts = read_usage(event.data, exchange_.usage);
        if (facts.usage_only && hide_usage_chunk_) continue;
      }
      co_await sink_.send_chunk(event);
    }
  }

  bool is_event_stream() const { return is_event_stream_; }
  bool saw_done() const { return saw_done_; }
  int status() const { return status_; }
  std::string& collected() { return collected_; }

 private:
  core::Exchange& exchange_;
  core::ResponseSink& sink_;
  bool hide_usage_chunk_;
  bool is_event_stream_ = false;
  bool saw_done_ = false;
  int status_ = 0;
  SseParser parser_;
  std::vector<core::Chunk> events_;
  std::string collected_;
};

class OpenAiProvider final : public core::Provider {
 public:
  explicit OpenAiProvider(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }

  asio::awaitable<CallOutcome> call(core::Exchange& exchange, const core::TargetConfig& target,
                                    core::CallContext context) override {
    bool wants_stream = exchange.json.stream;
    bool counts_tokens = exchange.operation == core::Operation::chat_completions ||
                         exchange.operation == core::Operation::completions;
    // Ask for the usage chunk so quotas are exact, unless the client set stream_options
    // itself (then we must not add a duplicate key).
    bool add_usage = wants_stream && counts_tokens && !exchange.json.has_stream_options;

    core::UpstreamRequest request = build_request(exchange, target, add_usage);
    core::UpstreamResponse response;
    if (!wants_stream) {
      std::optional<CallOutcome> failure;
      try {
        response = co_await context.upstream.send(config_, request, nullptr);
      } catch (const core::UpstreamError& e) {
        failure = failed(e.failure(), e.what());
      }
      if (failure) co_return std::move(*failure);
      co_return co_await finish_whole(exchange, response, context.sink);
    }

    StreamRelay relay(exchange, context.sink, add_usage && !exchange.json.include_usage);
    std::optional<CallOutcome> failure;
    try {
      response = co_await context.upstream.send(config_, request, &relay);
    } catch (const core::UpstreamError& e) {
      failure = failed(e.failure(), e.what());
    }
    if (failure) {
      if (context.sink.committed()) {
        // Too late for a status or a fallback: end the stream with an error event.
        core::Chunk error_event{"", stream_error_event(failure->failure)};
        co_await context.sink.send_chunk(error_event);
        core::Chunk done{"", "[DONE]"};
        co_await context.sink.send_chunk(done);
        co_await context.sink.end_stream();
      }
      co_return std::move(*failure);
    }
    if (response.status < 200 || response.status > 299 || !relay.is_event_stream()) {
      if (relay.status() != 0) response.body = std::move(relay.collected());
      co_return co_await finish_whole(exchange, response, context.sink);
    }
    co_await context.sink.end_stream();
    co_return CallOutcome{};
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
    request.headers = forwardable_request_headers(exchange.request_headers);
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

  asio::awaitable<CallOutcome> finish_whole(core::Exchange& exchange,
                                            core::UpstreamResponse& response,
                                            core::ResponseSink& sink) const {
    if (response.status >= 200 && response.status <= 299) {
      read_usage(response.body, exchange.usage);
      core::Response out;
      out.status = response.status;
      std::string_view type = response.headers.get("content-type");
      out.headers.set("content-type", type.empty() ? "application/json" : type);
      out.body = std::move(response.body);
      co_await sink.send(out);
      co_return CallOutcome{};
    }
    CallOutcome outcome =
        failed(classify_openai_error(response.status, response.body),
               "provider answered HTTP " + std::to_string(response.status), response.status);
    outcome.upstream_error = client_facing_error(response);
    co_return outcome;
  }

  const core::ProviderConfig& config_;
};

}  // namespace

FailureClass classify_openai_error(int status, std::string_view body) {
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

std::unique_ptr<core::Provider> make_openai_provider(const core::ProviderConfig& config) {
  return std::make_unique<OpenAiProvider>(config);
}

}  // namespace tollgate::routing::providers
