#include "observability/observe_stage.h"

#include <chrono>

#include <boost/json.hpp>

#include "gateway/core/log.h"
#include "gateway/core/random_hex.h"
#include "gateway/core/utf8.h"
#include "observability/tracing/trace_context.h"

namespace tollgate::observability {

namespace json = boost::json;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
  return std::string(stamp, n) + ms;
}

double ms(core::Exchange::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// When the request started, in wall-clock time (the Exchange keeps a steady clock).
std::chrono::system_clock::time_point wall_start(const core::Exchange& exchange) {
  auto age = core::Exchange::Clock::now() - exchange.started;
  return std::chrono::system_clock::now() -
         std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

json::value or_null(std::string_view s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
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
  exchange.audit_bodies = audit_ != nullptr && audit_->config().include_bodies;
  co_return core::Decision::proceed();
}

std::string audit_record(const core::Exchange& exchange, bool include_bodies,
                         const std::string* response_body) {
  json::object o;
  o["time"] = iso_time(wall_start(exchange));
  o["request_id"] = exchange.request_id;
  o["trace_id"] = exchange.trace_id.view();
  o["span_id"] = exchange.span_id.view();
  o["parent_span_id"] = or_null(exchange.parent_span_id.view());
  const core::Principal* p = exchange.principal.get();
  o["key_id"] = p != nullptr ? json::value(p->key_id) : json::value(nullptr);
  o["user"] = p != nullptr ? or_null(p->user) : json::value(nullptr);
  o["team"] = p != nullptr ? or_null(p->team) : json::value(nullptr);
  o["client"] = exchange.client_address;
  o["country"] = or_null(exchange.country);  // the geo stage's; null when unknown
  o["continent"] = or_null(exchange.continent);
  o["method"] = exchange.method;
  o["path"] = core::valid_utf8(exchange.path);  // the client chose its bytes
  o["model_requested"] = exchange.json.model ? json::value(*exchange.json.model) : nullptr;
  o["model"] = exchange.model != nullptr ? json::value(exchange.model->name) : nullptr;
  o["provider"] = exchange.provider != nullptr ? json::value(exchange.provider->name) : nullptr;
  o["provider_model"] =
      exchange.target_model != nullptr ? json::value(exchange.target_model->model) : nullptr;
  o["route_rule"] = or_null(exchange.route_rule);
  o["status"] = exchange.status;
  o["stream"] = exchange.streamed;
  o["prompt_tokens"] = exchange.usage.prompt_tokens;
  o["completion_tokens"] = exchange.usage.completion_tokens;
  o["cached_tokens"] = exchange.usage.cached_tokens;
  o["reasoning_tokens"] = exchange.usage.reasoning_tokens;
  o["usage_reported"] = exchange.usage.reported;
  o["usage_estimated"] = exchange.usage.estimated;
  o["cost_usd"] = static_cast<double>(exchange.cost_nusd) / 1e9;
  o["cache"] = json::string_view(exchange.cache.data(), exchange.cache.size());
  json::array decisions;
  for (const auto& [stage, decision] : exchange.decisions) {
    decisions.push_back(json::object{{"stage", stage}, {"decision", decision}});
  }
  o["decisions"] = std::move(decisions);
  o["attempts"] = exchange.attempts;
  o["fallbacks"] = exchange.fallbacks;
  json::array failures;
  for (const auto& [provider, failure] : exchange.failed_attempts) {
    failures.push_back(
        json::object{{"provider", provider}, {"class", std::string(core::to_string(failure))}});
  }
  o["failed_attempts"] = std::move(failures);
  auto end = exchange.finished != core::Exchange::Clock::time_point{}
                 ? exchange.finished
                 : core::Exchange::Clock::now();
  o["duration_ms"] = ms(end - exchange.started);
  o["upstream_ms"] = ms(exchange.upstream_time);
  if (exchange.streamed && exchange.first_byte > exchange.started) {
    o["ttft_ms"] = ms(exchange.first_byte - exchange.started);
  }
  if (include_bodies) {
    o["request_body"] = exchange.body;
    o["response_body"] = response_body != nullptr ? json::value(*response_body) : nullptr;
  }
  return json::serialize(o);
}

std::string access_fields(const core::Exchange& exchange) {
  json::object o;
  o["type"] = "access";
  o["request_id"] = exchange.request_id;
  o["trace_id"] = exchange.trace_id.view();
  o["client"] = exchange.client_address;
  o["country"] = or_null(exchange.country);
  o["continent"] = or_null(exchange.continent);
  o["method"] = exchange.method;
  o["path"] = core::valid_utf8(exchange.path);  // the client chose its bytes
  o["status"] = exchange.status;
  // As in the audit line: what the client asked for, and what served it (null when the
  // request was refused before routing, a 429 from the limits stage).
  o["model_requested"] = exchange.json.model ? json::value(*exchange.json.model) : nullptr;
  o["model"] = exchange.model != nullptr ? json::value(exchange.model->name) : nullptr;
  o["provider"] = exchange.provider != nullptr ? json::value(exchange.provider->name) : nullptr;
  o["key_id"] = exchange.principal ? json::value(exchange.principal->key_id) : nullptr;
  o["attempts"] = exchange.attempts;
  o["prompt_tokens"] = exchange.usage.prompt_tokens;
  o["completion_tokens"] = exchange.usage.completion_tokens;
  o["usage_estimated"] = exchange.usage.estimated;
  auto end = exchange.finished != core::Exchange::Clock::time_point{}
                 ? exchange.finished
                 : core::Exchange::Clock::now();
  o["duration_ms"] = ms(end - exchange.started);
  std::string out = json::serialize(o);
  // The logger wants members, not an object.
  return out.substr(1, out.size() - 2);
}

namespace {

struct AnswerCopy : core::StageState {
  std::string body;
};

}  // namespace

void ObserveStage::on_response(core::Exchange& exchange, core::Response& response) {
  if (audit_ == nullptr || !audit_->config().include_bodies) return;
  if (exchange.audit_answer_kept) return;  // a stage kept the provider's version
  exchange.stage_state<AnswerCopy>(this).body = response.body;
}

void ObserveStage::on_chunk(core::Exchange& exchange, core::Events& events) {
  if (audit_ == nullptr || !audit_->config().include_bodies) return;
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
    audit_->append(audit_record(exchange, audit_->config().include_bodies, answer));
  }
  if (access_log_ != nullptr && core::log_enabled(core::LogLevel::info)) {
    access_log_->write(exchange.status >= 500 ? core::LogLevel::warn : core::LogLevel::info,
                       access_fields(exchange));
  }
}

}  // namespace tollgate::observability
