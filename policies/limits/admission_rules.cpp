#include "policies/limits/admission_rules.h"

#include <cmath>

namespace tollgate::policies::limits {

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

GcraLimit per_minute(std::int64_t limit) {
  return GcraLimit{limit, kMinuteNs};
}

Admission limited(const Scope& scope, LimitKind kind, std::int64_t retry_after_ms,
                  bool never = false) {
  Admission a;
  a.verdict = Admission::Verdict::limited;
  a.limit = kind;
  a.scope = scope.id;
  a.retry_after_ms = retry_after_ms;
  a.never = never;
  return a;
}

std::int64_t ns_to_ms_up(std::int64_t ns) {
  return (ns + kNsPerMs - 1) / kNsPerMs;
}

}  // namespace

std::int64_t budget_in_nusd(double usd) {
  return static_cast<std::int64_t>(std::llround(usd * 1e9));
}

std::int64_t ms_until_next_period(bool month) {
  using namespace std::chrono;
  auto now = system_clock::now();
  year_month_day today{floor<days>(now)};
  sys_days next =
      month ? sys_days((today.year() / today.month() / 1) + months(1)) : floor<days>(now) + days(1);
  return duration_cast<milliseconds>(next - now).count();
}

std::string_view limit_name(LimitKind kind) {
  switch (kind) {
    case LimitKind::rpm:
      return "rpm";
    case LimitKind::tpm:
      return "tpm";
    case LimitKind::max_parallel:
      return "max_parallel";
    case LimitKind::tokens_per_day:
      return "tokens_per_day";
    case LimitKind::budget:
      return "budget_usd_per_month";
  }
  return "unknown";
}

void roll_periods(ScopeCounters& counters, const std::string& day, const std::string& month) {
  if (counters.day != day) {
    counters.day = day;
    counters.day_total = {};
  }
  if (counters.month != month) {
    counters.month = month;
    counters.month_total = {};
  }
}

std::optional<Admission> check_scope(const Scope& scope, const ScopeCounters& counters,
                                     const AdmitRequest& request, std::int64_t now_ns) {
  const core::LimitSet& l = scope.limits;
  std::int64_t estimate = request.token_estimate;
  if (l.rpm) {
    std::int64_t tat = counters.rpm_tat_ns;
    GcraResult r = gcra_admit(tat, per_minute(*l.rpm), now_ns, 1);
    if (!r.allowed) return limited(scope, LimitKind::rpm, ns_to_ms_up(r.retry_after_ns));
  }
  if (l.tpm) {
    std::int64_t tat = counters.tpm_tat_ns;
    GcraResult r = gcra_admit(tat, per_minute(*l.tpm), now_ns, estimate);
    if (!r.allowed) {
      return limited(scope, LimitKind::tpm, ns_to_ms_up(r.retry_after_ns), r.never);
    }
  }
  if (l.max_parallel && counters.in_flight >= *l.max_parallel) {
    return limited(scope, LimitKind::max_parallel, 1000);
  }
  if (l.tokens_per_day) {
    std::int64_t used = counters.day_total.tokens() + counters.reserved_tokens;
    if (used + estimate > *l.tokens_per_day) {
      return limited(scope, LimitKind::tokens_per_day, ms_until_next_period(false),
                     estimate > *l.tokens_per_day);
    }
  }
  if (l.budget_usd_per_month) {
    std::int64_t budget_nusd = budget_in_nusd(*l.budget_usd_per_month);
    std::int64_t spent = counters.month_total.cost_nusd;
    std::int64_t cost = request.cost_estimate_nusd;
    if (spent >= budget_nusd || spent + counters.reserved_cost_nusd + cost > budget_nusd) {
      return limited(scope, LimitKind::budget, ms_until_next_period(true), cost > budget_nusd);
    }
  }
  return std::nullopt;
}

void apply_admission(const Scope& scope, ScopeCounters& counters, const AdmitRequest& request,
                     std::int64_t now_ns) {
  const core::LimitSet& l = scope.limits;
  if (l.rpm) gcra_admit(counters.rpm_tat_ns, per_minute(*l.rpm), now_ns, 1);
  if (l.tpm) gcra_admit(counters.tpm_tat_ns, per_minute(*l.tpm), now_ns, request.token_estimate);
  if (l.max_parallel) ++counters.in_flight;
  if (l.tokens_per_day) counters.reserved_tokens += request.token_estimate;
  if (l.budget_usd_per_month) counters.reserved_cost_nusd += request.cost_estimate_nusd;
}

void apply_settlement(const Scope& scope, ScopeCounters& counters, const AdmitRequest& request,
                      const Settlement& settlement, std::int64_t now_ns) {
  const core::LimitSet& l = scope.limits;
  std::int64_t estimate = request.token_estimate;
  if (l.tpm) {
    gcra_adjust(counters.tpm_tat_ns, per_minute(*l.tpm), now_ns,
                settlement.usage.total() - estimate);
  }
  if (l.max_parallel && counters.in_flight > 0) --counters.in_flight;
  if (l.tokens_per_day) {
    counters.reserved_tokens = std::max<std::int64_t>(0, counters.reserved_tokens - estimate);
  }
  if (l.budget_usd_per_month) {
    counters.reserved_cost_nusd =
        std::max<std::int64_t>(0, counters.reserved_cost_nusd - request.cost_estimate_nusd);
  }
  state::UsageCounters used{1, settlement.usage.prompt_tokens, settlement.usage.completion_tokens,
                            settlement.cost_nusd};
  counters.day_total += used;
  counters.month_total += used;
}

void merge_window(std::optional<WindowState>& into, const WindowState& window) {
  if (!into || window.remaining < into->remaining ||
      (window.remaining == into->remaining && window.reset_ms > into->reset_ms)) {
    into = window;
  }
}

void describe_windows(const Scope& scope, const ScopeCounters& counters, std::int64_t now_ns,
                      Admission& admission) {
  const core::LimitSet& l = scope.limits;
  if (l.rpm) {
    GcraResult r = gcra_peek(counters.rpm_tat_ns, per_minute(*l.rpm), now_ns);
    merge_window(admission.requests, {*l.rpm, r.remaining, ns_to_ms_up(r.reset_ns)});
  }
  if (l.tpm) {
    GcraResult r = gcra_peek(counters.tpm_tat_ns, per_minute(*l.tpm), now_ns);
    merge_window(admission.tokens, {*l.tpm, r.remaining, ns_to_ms_up(r.reset_ns)});
  }
}

}  // namespace tollgate::policies::limits
