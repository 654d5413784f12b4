#include "policies/limits/limits_stage.h"

#include <charconv>
#include <chrono>
#include <ctime>

#include <boost/asio/this_coro.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/random_hex.h"

namespace tollgate::policies::limits {

namespace asio = boost::asio;

namespace {

struct RequestLimits : core::StageState {
  AdmitRequest request;
  bool admitted = false;
  bool by_fallback = false;
  bool by_lease = false;
  asio::any_io_executor executor;
};

std::string describe_limit(LimitKind kind) {
  switch (kind) {
    case LimitKind::rpm:
      return "requests per minute (rpm)";
    case LimitKind::tpm:
      return "tokens per minute (tpm)";
    case LimitKind::max_parallel:
      return "requests in flight (max_parallel)";
    case LimitKind::tokens_per_day:
      return "tokens per day (tokens_per_day)";
    case LimitKind::budget:
      return "the monthly budget (budget_usd_per_month)";
  }
  return "a limit";
}

// "key:app-prod" → "key app-prod": the caller's own key, user or team, never another's.
std::string describe_scope(const std::string& scope) {
  std::string out = scope;
  if (auto colon = out.find(':'); colon != std::string::npos) out[colon] = ' ';
  return out;
}

// Anthropic's names for the same windows, for clients of its Messages API: the reset as
// an RFC 3339 time, as Anthropic sends it.
void add_anthropic_window_headers(core::Headers& headers, const Admission& admission) {
  auto add = [&](std::string_view kind, const auto& window) {
    std::string prefix = "anthropic-ratelimit-" + std::string(kind) + "-";
    headers.set(prefix + "limit", std::to_string(window.limit));
    headers.set(prefix + "remaining", std::to_string(window.remaining));
    auto reset = std::chrono::system_clock::now() + std::chrono::milliseconds(window.reset_ms);
    std::time_t t = std::chrono::system_clock::to_time_t(reset);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    headers.set(prefix + "reset", text);
  };
  if (admission.requests) add("requests", *admission.requests);
  if (admission.tokens) add("tokens", *admission.tokens);
}

void add_window_headers(core::Headers& headers, const Admission& admission, bool anthropic) {
  if (anthropic) add_anthropic_window_headers(headers, admission);
  if (admission.requests) {
    headers.set("x-ratelimit-limit-requests", std::to_string(admission.requests->limit));
    headers.set("x-ratelimit-remaining-requests", std::to_string(admission.requests->remaining));
    headers.set("x-ratelimit-reset-requests", format_reset(admission.requests->reset_ms));
  }
  if (admission.tokens) {
    headers.set("x-ratelimit-limit-tokens", std::to_string(admission.tokens->limit));
    headers.set("x-ratelimit-remaining-tokens", std::to_string(admission.tokens->remaining));
    headers.set("x-ratelimit-reset-tokens", format_reset(admission.tokens->reset_ms));
  }
}

core::Decision refuse(const Admission& admission, bool anthropic) {
  if (admission.verdict == Admission::Verdict::unavailable) {
    core::Response response = core::error_response(
        core::ErrorKind::unavailable, "rate limits cannot be checked right now; try again shortly");
    response.headers.set("retry-after", "1");
    return core::Decision::respond(std::move(response));
  }
  bool quota = admission.limit == LimitKind::tokens_per_day || admission.limit == LimitKind::budget;
  core::ErrorKind kind = core::ErrorKind::rate_limited;
  if (quota) kind = core::ErrorKind::insufficient_quota;
  if (admission.limit == LimitKind::tpm) kind = core::ErrorKind::token_rate_limited;
  std::string message;
  std::int64_t retry_ms = std::max<std::int64_t>(1, admission.retry_after_ms);
  if (admission.never) {
    message = "Request too large for " + describe_scope(admission.scope) + ": it needs more than " +
              describe_limit(admission.limit) +
              " allows. Reduce the prompt or max_tokens (without max_tokens a request reserves "
              "limits.default_completion_tokens).";
  } else if (quota) {
    message = "You exceeded " + describe_limit(admission.limit) + " of " +
              describe_scope(admission.scope) + ". It resets in " + format_reset(retry_ms) + ".";
  } else {
    message = "Rate limit reached for " + describe_limit(admission.limit) + " on " +
              describe_scope(admission.scope) + ". Please try again in " + format_reset(retry_ms) +
              ".";
  }
  core::Response response = core::error_response(kind, message);
  response.headers.set("retry-after", std::to_string((retry_ms + 999) / 1000));
  response.headers.set("retry-after-ms", std::to_string(retry_ms));
  add_window_headers(response.headers, admission, anthropic);
  return core::Decision::respond(std::move(response));
}

// The client's request id with a suffix of ours: what a client sends in x-request-id may
// repeat, and two requests in flight under one name would share one slot in Redis.
std::string admission_id(const std::string& request_id) {
  std::string id = request_id;
  id.push_back('~');
  std::size_t at = id.size();
  id.resize(at + 12);
  core::write_random_hex(std::span<char>(id).subspan(at));
  return id;
}

}  // namespace

// No snprintf and no temporaries: it runs twice for every answer (the reset fields), and
// what it did before showed in profiles. Most results fit a string's inline buffer.
std::string format_reset(std::int64_t ms) {
  std::string out;
  auto number = [&out](std::int64_t n) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
  };
  ms = std::max<std::int64_t>(ms, 0);
  if (ms < 1000) {
    number(ms);
    out += "ms";
    return out;
  }
  std::int64_t minutes = ms / 60000;
  std::int64_t rest_ms = ms % 60000;
  if (minutes >= 60) {
    number(minutes / 60);
    out += 'h';
  }
  if (minutes > 0) {
    number(minutes % 60);
    out += 'm';
  }
  number(rest_ms / 1000);
  if (std::int64_t fraction = rest_ms % 1000; fraction != 0) {
    out += '.';
    for (std::int64_t place = 100; place > 0 && fraction > 0; place /= 10) {
      out += static_cast<char>('0' + fraction / place);
      fraction %= place;
    }
  }
  out += 's';
  return out;
}

std::vector<Scope> LimitsStage::scopes_of(const core::Exchange& exchange) const {
  std::vector<Scope> scopes;
  const core::Principal* p = exchange.principal.get();
  if (p == nullptr) {
    scopes.push_back({"key:anonymous", {}});
    return scopes;
  }
  // Exactly the room needed: the list is kept until the request's usage is settled.
  scopes.reserve(1 + (p->user.empty() ? 0 : 1) + (p->team.empty() ? 0 : 1));
  scopes.push_back({"key:" + p->key_id, p->limits});
  if (!p->user.empty()) {
    auto it = config_.users.find(p->user);
    scopes.push_back(
        {"user:" + p->user, it == config_.users.end() ? core::LimitSet{} : it->second});
  }
  if (!p->team.empty()) {
    auto it = config_.teams.find(p->team);
    scopes.push_back(
        {"team:" + p->team, it == config_.teams.end() ? core::LimitSet{} : it->second});
  }
  return scopes;
}

void LimitsStage::reserve(const core::Exchange& exchange, AdmitRequest& request) const {
  std::int64_t prompt = core::estimate_prompt_tokens(exchange.json);
  // Bounded so that the sums below cannot overflow whatever a client sends: no model
  // answers 2^40 tokens. Embeddings answer no completion at all.
  std::int64_t completion = config_.default_completion_tokens;
  if (exchange.json.max_tokens) {
    completion = std::clamp<std::int64_t>(*exchange.json.max_tokens, 0, kMaxTokens);
  } else if (exchange.operation == core::Operation::embeddings) {
    completion = 0;
  }
  // `n` completions are each billed: n: 8 with max_tokens 1,000 may answer 8,000.
  completion *= std::clamp<std::int64_t>(exchange.json.choices, 1, 128);
  request.token_estimate = prompt + completion;
  bool any_budget = false;
  for (const auto& scope : request.scopes) {
    any_budget = any_budget || scope.limits.budget_usd_per_month.has_value();
  }
  if (any_budget && exchange.json.model) {
    request.cost_estimate_nusd = config_.max_cost_nusd(*exchange.json.model, prompt, completion);
  }
}

asio::awaitable<core::Decision> LimitsStage::on_request(core::Exchange& exchange) {
  if (exchange.operation == core::Operation::models) co_return core::Decision::proceed();
  auto& state = exchange.stage_state<RequestLimits>(this);
  state.executor = co_await asio::this_coro::executor;
  state.request.scopes = scopes_of(exchange);
  state.request.request_id = admission_id(exchange.request_id);
  state.request.lease = lease_;
  reserve(exchange, state.request);
  bool any_limit = false;
  for (const auto& scope : state.request.scopes) any_limit = any_limit || !scope.limits.empty();
  if (!any_limit) {
    // Nothing to hold it to: no round trip; the usage is still recorded at the end.
    state.admitted = true;
    co_return core::Decision::proceed();
  }
  Admission admission = co_await store_.admit(state.request);
  bool anthropic = exchange.ingress == core::Ingress::anthropic;
  if (admission.verdict == Admission::Verdict::unavailable) {
    exchange.decisions.emplace_back("limits", "unavailable");
    co_return refuse(admission, anthropic);
  }
  if (admission.verdict != Admission::Verdict::allowed) {
    exchange.decisions.emplace_back(
        "limits", std::string(limit_name(admission.limit)) + ":" + admission.scope);
    co_return refuse(admission, anthropic);
  }
  state.admitted = true;
  state.by_fallback = admission.by_fallback;
  state.by_lease = admission.by_lease;
  add_window_headers(exchange.response_headers, admission, anthropic);
  co_return core::Decision::proceed();
}

void LimitsStage::on_complete(core::Exchange& exchange) {
  auto* state = exchange.find_stage_state<RequestLimits>(this);
  if (state == nullptr || !state->admitted) return;
  Settlement settlement;
  settlement.admitted_by_fallback = state->by_fallback;
  settlement.admitted_by_lease = state->by_lease;
  // What the provider did not say is estimated (the prompt, a completion cut short), the
  // same figures the audit and access lines show.
  core::complete_usage(exchange);
  settlement.usage = exchange.usage;
  std::string_view served = exchange.target_model != nullptr
                                ? std::string_view(exchange.target_model->model)
                                : std::string_view();
  settlement.cost_nusd =
      config_.cost_nusd(served, settlement.usage.prompt_tokens, settlement.usage.completion_tokens);
  if (settlement.cost_nusd == 0 && exchange.json.model) {
    settlement.cost_nusd = config_.cost_nusd(*exchange.json.model, settlement.usage.prompt_tokens,
                                             settlement.usage.completion_tokens);
  }
  exchange.cost_nusd = settlement.cost_nusd;
  store_.settle(state->request, settlement, state->executor);
}

namespace {

struct LimitsSettings {
  LimitsConfig config;
  std::chrono::milliseconds lease{0};
};

LimitsSettings read_limits_settings(const core::ConfigReader&, const core::Config& config) {
  // A slot is held no longer than the longest provider timeout (plus a margin): a
  // replica that dies with requests in flight does not hold them forever in Redis.
  auto lease = std::chrono::milliseconds(std::chrono::minutes(10));
  for (const auto& p : config.providers) lease = std::max(lease, p.timeout * 2);
  return {read_limits_config(config), lease};
}

// `users:`, `teams:` and `limits:` (limits_config.cpp); `pricing:` is the config's own.
// The counters come from the CounterStore the policies module provides.
const core::Registration kRegistration{core::StageSpec<LimitsSettings>{
    .name = "limits",
    .position = 500,
    .sections =
        // `residency` is read by auth (policies/auth/residency.h).
    {{.name = "users",
      .shape = core::ConfigSection::Shape::list,
      .keys = {"name", "limits", "residency"}},
     {.name = "teams",
      .shape = core::ConfigSection::Shape::list,
      .keys = {"name", "limits", "residency"}},
     {.name = "limits", .keys = {"default_completion_tokens"}}},
    .read = read_limits_settings,
    .make = [](const LimitsSettings& settings,
               const core::Services& services) -> std::unique_ptr<core::Stage> {
      return std::make_unique<LimitsStage>(settings.config, services.get<CounterStore>(),
                                           settings.lease);
    }}};

}  // namespace

}  // namespace tollgate::policies::limits
