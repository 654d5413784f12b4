// The admission rules on one scope's counters, shared by the in-process store (and,
// line for line, mirrored by the Redis store's Lua): check everything first, then apply.
#pragma once

#include <cstdint>

#include "policies/limits/counter_store.h"
#include "policies/limits/gcra.h"
#include "state/sqlite/sqlite_store.h"

namespace tollgate::policies::limits {

constexpr std::int64_t kMinuteNs = 60'000'000'000;

struct ScopeCounters {
  std::int64_t rpm_tat_ns = 0;
  std::int64_t tpm_tat_ns = 0;
  std::int64_t in_flight = 0;
  std::int64_t reserved_tokens = 0;     // admitted estimates not yet settled (daily quota)
  std::int64_t reserved_cost_nusd = 0;  // the same for the monthly budget
  std::string day, month;               // the periods the totals below belong to
  state::UsageCounters day_total, month_total;
};

// A budget in USD as the nano-dollars costs are counted in (both stores round the same way).
std::int64_t budget_in_nusd(double usd);

// Until the next UTC midnight (or first of the month): when a daily quota or a monthly
// budget comes back.
std::int64_t ms_until_next_period(bool month);

// Rolls the totals over when the UTC day or month has changed.
void roll_periods(ScopeCounters& counters, const std::string& day, const std::string& month);

// Why `scope` cannot take the request now, or nullopt when it can. Does not change it.
std::optional<Admission> check_scope(const Scope& scope, const ScopeCounters& counters,
                                     const AdmitRequest& request, std::int64_t now_ns);

// Takes the request and its reservation into the scope (call only after every scope
// passed check_scope).
void apply_admission(const Scope& scope, ScopeCounters& counters, const AdmitRequest& request,
                     std::int64_t now_ns);

// Gives the reservation back and records what the finished request really used.
void apply_settlement(const Scope& scope, ScopeCounters& counters, const AdmitRequest& request,
                      const Settlement& settlement, std::int64_t now_ns);

// Keeps the tighter window (fewer remaining) in `into`.
void merge_window(std::optional<WindowState>& into, const WindowState& window);
// The scope's request and token windows at `now_ns`, merged into the admission.
void describe_windows(const Scope& scope, const ScopeCounters& counters, std::int64_t now_ns,
                      Admission& admission);

}  // namespace tollgate::policies::limits
