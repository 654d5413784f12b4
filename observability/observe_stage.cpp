#include "observability/observe_stage.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "gateway/core/errors.h"
#include "gateway/core/log.h"
#include "gateway/core/random_hex.h"
#include "gateway/core/time_text.h"
#include "observability/tracing/trace_context.h"

namespace tollgate::observability {

namespace {

// When the request started, in wall-clock time (the Exchange keeps a steady clock).
std::chrono::system_clock::time_point wall_start(const core::Exchange& exchange) {
  auto age = core::Exchange::Clock::now() - exchange.started;
  return std::chrono::system_clock::now() -
         std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

}  // namespace

void start_trace(core::Exchange& exchange) {
  if (!exchange.trace_id.empty()) return;
  std::string flags = "01";
  if (auto parent = parse_traceparent(exchange.request_headers.get("traceparent"))) {
    exchange.trace_id = parent->trace_id;
    exchange.parent_span_id = parent->parent_id;
    flags = parent->flags;
  } else {
    core::write_random_hex(exchange.trace_id.fill());
  }
  core::write_random_hex(exchange.span_id.fill());
  // Providers forward the client's headers: ours replaces the client's, so the provider's
  // work is a child of the gateway's span. tracestate passes through untouched.
  exchange.request_headers.set("traceparent",
                               format_traceparent(exchange.trace_id, exchange.span_id, flags));
}

boost::asio::awaitable<core::Decision> ObserveStage::on_request_head(core::Exchange& exchange) {
  start_trace(exchange);
  exchange.audit_bodies = bodies_;
  co_return core::Decision::proceed();
}

namespace {

// Writes the members of a JSON object straight into a string: the audit and access lines
// are built once per request, and a document tree (allocations per member) cost more than
// the rest of the line. Strings go through core::append_json_string (escaped; bytes that
// are not UTF-8 become U+FFFD).
class Members {
 public:
  explicit Members(std::string& out) : out_(out) {}
  void string(std::string_view name, std::string_view value) {
    key(name);
    core::append_json_string(out_, value);
  }
  // Null when empty.
  void string_or_null(std::string_view name, std::string_view value) {
    if (value.empty()) return null(name);
    string(name, value);
  }
  void null(std::string_view name) {
    key(name);
    out_ += "null";
  }
  void integer(std::string_view name, std::int64_t value) {
    key(name);
    char text[24];
    auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    out_.append(text, end);
  }
  void boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  // Milliseconds to the microsecond.
  void millis(std::string_view name, core::Exchange::Clock::duration d) {
    key(name);
    core::append_millis(out_, d);
  }
  // Nano-USD as a decimal number of dollars, exactly: 1800 -> 0.0000018.
  void dollars(std::string_view name, std::int64_t nusd) {
    key(name);
    if (nusd < 0) out_ += '-';
    std::uint64_t v =
        nusd < 0 ? 0 - static_cast<std::uint64_t>(nusd) : static_cast<std::uint64_t>(nusd);
    char text[32];
    char* end = std::to_chars(text, text + 20, v / 1000000000u).ptr;
    *end++ = '.';
    std::uint64_t fraction = v % 1000000000u;
    for (int place = 8; place >= 0; --place, fraction /= 10) {
      end[place] = static_cast<char>('0' + fraction % 10);
    }
    std::string_view digits(text, static_cast<std::size_t>(end + 9 - text));
    while (digits.back() == '0') digits.remove_suffix(1);
    if (digits.back() == '.') digits.remove_suffix(1);
    out_ += digits;
  }
  // An array of objects of two string members.
  template <typename Pairs, typename Second>
  void pairs(std::string_view name, const Pairs& items, std::string_view first_name,
             std::string_view second_name, Second second) {
    key(name);
    out_ += '[';
    bool first = true;
    for (const auto& item : items) {
      if (!first) out_ += ',';
      first = false;
      out_ += '{';
      Members member(out_);
      member.string(first_name, item.first);
      member.string(second_name, second(item.second));
      out_ += '}';
    }
    out_ += ']';
  }

 private:
  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;  // our own names: nothing to escape
    out_ += "\":";
  }
  std::string& out_;
  bool first_ = true;
};

core::Exchange::Clock::time_point end_of(const core::Exchange& exchange) {
  return exchange.finished != core::Exchange::Clock::time_point{} ? exchange.finished
                                                                  : core::Exchange::Clock::now();
}

}  // namespace

// One call per member of the audit line, in the order docs/observability.md shows.
std::string audit_record(const core::Exchange& exchange, bool include_bodies,
                         const std::string* response_body) {
  std::string out;
  append_audit_record(out, exchange, include_bodies, response_body);
  return out;
}

std::string access_fields(const core::Exchange& exchange) {
  std::string out;
  append_access_fields(out, exchange);
  return out;
}

void append_audit_record(std::string& out, const core::Exchange& exchange, bool include_bodies,
                         const std::string* response_body) {
  out += '{';
  Members o(out);
  o.string("time", core::iso_millis(wall_start(exchange)));
  o.string("request_id", exchange.request_id);
  o.string("trace_id", exchange.trace_id.view());
  o.string("span_id", exchange.span_id.view());
  o.string_or_null("parent_span_id", exchange.parent_span_id.view());
  const core::Principal* p = exchange.principal.get();
  if (p != nullptr) {
    o.string("key_id", p->key_id);
    o.string_or_null("user", p->user);
    o.string_or_null("team", p->team);
  } else {
    o.null("key_id");
    o.null("user");
    o.null("team");
  }
  o.string("client", exchange.client_address);
  o.string_or_null("country", exchange.country);  // the geo stage's; null when unknown
  o.string_or_null("continent", exchange.continent);
  o.string("method", exchange.method);
  o.string("path", exchange.path);  // the client chose its bytes: made valid UTF-8
  exchange.json.model ? o.string("model_requested", *exchange.json.model)
                      : o.null("model_requested");
  exchange.model != nullptr ? o.string("model", exchange.model->name) : o.null("model");
  exchange.provider != nullptr ? o.string("provider", exchange.provider->name) : o.null("provider");
  exchange.target_model != nullptr ? o.string("provider_model", exchange.target_model->model)
                                   : o.null("provider_model");
  o.string_or_null("route_rule", exchange.route_rule);
  o.integer("status", exchange.status);
  o.boolean("stream", exchange.streamed);
  o.integer("prompt_tokens", exchange.usage.prompt_tokens);
  o.integer("completion_tokens", exchange.usage.completion_tokens);
  o.integer("cached_tokens", exchange.usage.cached_tokens);
  o.integer("reasoning_tokens", exchange.usage.reasoning_tokens);
  o.boolean("usage_reported", exchange.usage.reported);
  o.boolean("usage_estimated", exchange.usage.estimated);
  o.dollars("cost_usd", exchange.cost_nusd);
  o.string("cache", exchange.cache);
  o.pairs("decisions", exchange.decisions, "stage", "decision",
          [](const std::string& decision) -> std::string_view { return decision; });
  o.integer("attempts", exchange.attempts);
  o.integer("fallbacks", exchange.fallbacks);
  o.pairs("failed_attempts", exchange.failed_attempts, "provider", "class",
          [](core::FailureClass failure) { return core::to_string(failure); });
  auto end = end_of(exchange);
  o.millis("duration_ms", end - exchange.started);
  o.millis("upstream_ms", exchange.upstream_time);
  if (exchange.streamed && exchange.first_byte > exchange.started) {
    o.millis("ttft_ms", exchange.first_byte - exchange.started);
  }
  if (include_bodies) {
    o.string("request_body", exchange.body);
    response_body != nullptr ? o.string("response_body", *response_body) : o.null("response_body");
  }
  out += '}';
}

void append_access_fields(std::string& out, const core::Exchange& exchange) {
  Members o(out);
  o.string("type", "access");
  o.string("request_id", exchange.request_id);
  o.string("trace_id", exchange.trace_id.view());
  o.string("client", exchange.client_address);
  o.string_or_null("country", exchange.country);
  o.string_or_null("continent", exchange.continent);
  o.string("method", exchange.method);
  o.string("path", exchange.path);  // the client chose its bytes: made valid UTF-8
  o.integer("status", exchange.status);
  // As in the audit line: what the client asked for, and what served it (null when the
  // request was refused before routing, a 429 from the limits stage).
  exchange.json.model ? o.string("model_requested", *exchange.json.model)
                      : o.null("model_requested");
  exchange.model != nullptr ? o.string("model", exchange.model->name) : o.null("model");
  exchange.provider != nullptr ? o.string("provider", exchange.provider->name) : o.null("provider");
  exchange.principal ? o.string("key_id", exchange.principal->key_id) : o.null("key_id");
  o.integer("attempts", exchange.attempts);
  o.integer("prompt_tokens", exchange.usage.prompt_tokens);
  o.integer("completion_tokens", exchange.usage.completion_tokens);
  o.boolean("usage_estimated", exchange.usage.estimated);
  o.millis("duration_ms", end_of(exchange) - exchange.started);
  // The logger wants members, not an object.
}

namespace {

struct AnswerCopy : core::StageState {
  std::string body;
};

}  // namespace

void ObserveStage::on_response(core::Exchange& exchange, core::Response& response) {
  if (!bodies_) return;
  if (exchange.audit_answer_kept) return;  // a stage kept the provider's version
  exchange.stage_state<AnswerCopy>(this).body = response.body;
}

void ObserveStage::on_chunk(core::Exchange& exchange, core::Events& events) {
  if (!bodies_) return;
  if (exchange.audit_answer_kept) return;  // a stage keeps the provider's version
  std::string& body = exchange.stage_state<AnswerCopy>(this).body;
  for (const auto& event : events) {
    if (!body.empty()) body.push_back('\n');
    body += event.data;
  }
}

void ObserveStage::on_complete(core::Exchange& exchange) {
  exchange.finished = core::Exchange::Clock::now();
  start_trace(exchange);  // requests refused before the stages ran still get ids
  // The figures the ledger was charged (the limits stage completes them the same way).
  core::complete_usage(exchange);
  metrics_.record(exchange);
  if (audit_ != nullptr) {
    auto* copy = exchange.find_stage_state<AnswerCopy>(this);
    const std::string* answer = exchange.audit_answer_kept ? &exchange.audit_answer
                                : copy != nullptr          ? &copy->body
                                                           : nullptr;
    thread_local std::string record;
    record.clear();
    append_audit_record(record, exchange, bodies_, answer);
    audit_->append(record);
    if (record.capacity() > 64 * 1024) std::string().swap(record);  // audited bodies
  }
  if (access_log_ != nullptr && core::log_enabled(core::LogLevel::info)) {
    thread_local std::string fields;
    fields.clear();
    append_access_fields(fields, exchange);
    access_log_->write(exchange.status >= 500 ? core::LogLevel::warn : core::LogLevel::info,
                       fields);
  }
}

}  // namespace tollgate::observability
