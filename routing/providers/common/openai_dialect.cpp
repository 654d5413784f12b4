// The OpenAI-shaped answer hooks. The hot path: one usage read per chunk (a substring test
// first, usage_json.cpp), no copy of a chunk (events are moved through), no allocation per
// chunk.
#include "routing/providers/common/openai_dialect.h"

#include "gateway/core/errors.h"
#include "gateway/core/multipart_model.h"
#include "routing/providers/common/usage_json.h"

namespace tollgate::routing::providers {

using core::FailureClass;

namespace {

bool is_openai_error(std::string_view body) {
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

constexpr std::string_view kFiltered = "the provider filtered the completion";

// Events pass through as they came; usage is read on the way, and the usage-only chunk
// is marked for the driver.
class OpenAiTranslator final : public StreamTranslator {
 public:
  explicit OpenAiTranslator(bool report_content_filter)
      : report_content_filter_(report_content_filter) {}

  void on_event(core::Chunk& event, StreamOut& out) override {
    if (event.is_done()) {
      out.push(std::move(event));
      return;
    }
    ChunkFacts facts = read_usage(event.data, state_.usage);
    if (report_content_filter_ && state_.filtered.empty() &&
        has_content_filter_finish(event.data)) {
      state_.filtered = kFiltered;
    }
    if (facts.usage_only) {
      out.push_usage_only(std::move(event));
    } else {
      out.push(std::move(event));
    }
  }

  // The stream ends as the provider ended it ([DONE] came through as an event).
  std::optional<DialectFailure> on_end(StreamOut&) override { return std::nullopt; }

 private:
  bool report_content_filter_;
};

}  // namespace

void OpenAiShapedDialect::map_answer(Attempt&, core::UpstreamResponse& upstream,
                                     WholeAnswer& out) const {
  read_usage(upstream.body, out.usage);
  if (reports_content_filter() && has_content_filter_finish(upstream.body)) {
    out.filtered(std::string(kFiltered));
  }
  out.response.status = upstream.status;
  std::string_view type = upstream.headers.get("content-type");
  out.response.headers.set("content-type", type.empty() ? "application/json" : type);
  out.response.body = std::move(upstream.body);
}

std::unique_ptr<StreamTranslator> OpenAiShapedDialect::stream_translator(const Attempt&) const {
  return std::make_unique<OpenAiTranslator>(reports_content_filter());
}

DialectFailure OpenAiShapedDialect::map_error(const core::UpstreamResponse& upstream) const {
  return DialectFailure{classify_openai_error(upstream.status, upstream.body),
                        "provider answered HTTP " + std::to_string(upstream.status),
                        openai_client_facing_error(upstream)};
}

void OpenAiShapedDialect::add_openai_body(Attempt& attempt, core::UpstreamRequest& request) {
  core::Exchange& exchange = attempt.exchange;
  request.method = exchange.method;
  bool counts_tokens = exchange.operation == core::Operation::chat_completions ||
                       exchange.operation == core::Operation::completions;
  // Always ask for the usage chunk, whatever the client's stream_options say (set, false,
  // null or missing): billing is not something a client can switch off. The driver hides
  // the chunk again unless the client asked for it.
  attempt.usage_forced = exchange.json.stream && counts_tokens;
  if (exchange.json.multipart) {
    // An upload (audio, image edit): the client's bytes and boundary, the model part's
    // value replaced only when the target's name differs.
    request.headers.set("content-type", exchange.request_headers.get("content-type"));
    request.body =
        exchange.json.model == attempt.target.model
            ? exchange.body
            : core::splice_range(exchange.body, exchange.json.model_range, attempt.target.model);
  } else if (!exchange.body.empty()) {
    request.headers.set("content-type", "application/json");
    request.body = core::splice_request_body(exchange.body, exchange.json, attempt.target.model,
                                             attempt.usage_forced);
  }
  // Speech is audio bytes, streamed through as they come, whatever the body says.
  attempt.relay_bytes = exchange.path == "/v1/audio/speech";
  // A stored response retrieved with ?stream=true comes back as its events.
  bool streamed_retrieve = exchange.operation == core::Operation::response_item &&
                           exchange.target.find("stream=true") != std::string::npos;
  request.stream = exchange.json.stream || attempt.relay_bytes || streamed_retrieve;
}

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
  if (is_openai_error(upstream.body)) {
    out.headers.set("content-type", "application/json");
    out.body = upstream.body;
  } else {
    out = core::error_response(
        kind_for_status(upstream.status),
        "the provider answered with HTTP status " + std::to_string(upstream.status));
  }
  out.status = upstream.status;  // the provider's own status, whatever the kind's
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

}  // namespace tollgate::routing::providers
