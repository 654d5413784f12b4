#include "policies/limits/lease_book.h"

#include <algorithm>
#include <cmath>

#include "policies/limits/admission_rules.h"

namespace tollgate::policies::limits {

namespace {

// Slices stay below 2^50: Redis's Lua counts in doubles, exact to 2^53.
constexpr std::int64_t kMaxSlice = std::int64_t{1} << 50;

std::int64_t slice_of(std::int64_t limit, double slice) {
  double units = std::floor(static_cast<double>(limit) * slice);
  if (units >= static_cast<double>(kMaxSlice)) return kMaxSlice;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(units));
}

bool low(std::int64_t held, std::int64_t target) {
  return held * 2 < target;
}

// After a grant, some limit has nothing left in the lease: Redis had no more to give.
bool left_empty(const ScopeLease& lease) {
  const core::LimitSet& l = lease.limits;
  const LeaseUnits& h = lease.held;
  return (l.rpm && h.requests == 0) || (l.tpm && h.tokens == 0) ||
         (l.tokens_per_day && h.day_tokens == 0) || (l.budget_usd_per_month && h.cost_nusd == 0) ||
         (l.max_parallel && h.slots <= lease.in_flight);
}

}  // namespace

LeaseSettlements& LeaseSettlements::operator+=(const LeaseSettlements& o) {
  requests += o.requests;
  prompt_tokens += o.prompt_tokens;
  completion_tokens += o.completion_tokens;
  cost_nusd += o.cost_nusd;
  tpm_correction += o.tpm_correction;
  released_tokens += o.released_tokens;
  released_cost_nusd += o.released_cost_nusd;
  return *this;
}

LeaseUnits lease_target(const core::LimitSet& limits, double slice) {
  LeaseUnits target;
  if (limits.rpm) target.requests = slice_of(*limits.rpm, slice);
  if (limits.tpm) target.tokens = slice_of(*limits.tpm, slice);
  if (limits.tokens_per_day) target.day_tokens = slice_of(*limits.tokens_per_day, slice);
  if (limits.budget_usd_per_month) {
    target.cost_nusd = slice_of(budget_in_nusd(*limits.budget_usd_per_month), slice);
  }
  if (limits.max_parallel) target.slots = slice_of(*limits.max_parallel, slice);
  return target;
}

bool can_draw(const ScopeLease& lease, const AdmitRequest& request, std::int64_t now_ns) {
  if (now_ns >= lease.valid_until_ns) return false;
  const core::LimitSet& l = lease.limits;
  const LeaseUnits& h = lease.held;
  if (l.rpm && h.requests < 1) return false;
  if (l.tpm && h.tokens < request.token_estimate) return false;
  if (l.tokens_per_day && h.day_tokens < request.token_estimate) return false;
  if (l.budget_usd_per_month && h.cost_nusd < request.cost_estimate_nusd) return false;
  if (l.max_parallel && lease.in_flight >= h.slots) return false;
  return true;
}

void draw(ScopeLease& lease, const AdmitRequest& request) {
  const core::LimitSet& l = lease.limits;
  LeaseUnits& h = lease.held;
  if (l.rpm) h.requests -= 1;
  if (l.tpm) h.tokens -= request.token_estimate;
  if (l.tokens_per_day) h.day_tokens -= request.token_estimate;
  if (l.budget_usd_per_month) h.cost_nusd -= request.cost_estimate_nusd;
  // Every request counts (each holds a slot when there is max_parallel): the lease is
  // renewed while any runs, so its reservation in Redis outlives them.
  ++lease.in_flight;
  ++lease.draws;
}

void settle_draw(ScopeLease& lease, const AdmitRequest& request, const Settlement& settlement) {
  const core::LimitSet& l = lease.limits;
  LeaseSettlements& s = lease.settled;
  s.requests += 1;
  s.prompt_tokens += settlement.usage.prompt_tokens;
  s.completion_tokens += settlement.usage.completion_tokens;
  s.cost_nusd += settlement.cost_nusd;
  if (!settlement.admitted_by_lease) return;  // held to no limit: only its usage is owed
  if (l.tpm) s.tpm_correction += settlement.usage.total() - request.token_estimate;
  if (l.tokens_per_day) s.released_tokens += request.token_estimate;
  if (l.budget_usd_per_month) s.released_cost_nusd += request.cost_estimate_nusd;
  if (lease.in_flight > 0) --lease.in_flight;
}

bool running_low(const ScopeLease& lease, double slice) {
  const core::LimitSet& l = lease.limits;
  LeaseUnits target = lease_target(l, slice);
  const LeaseUnits& h = lease.held;
  return (l.rpm && low(h.requests, target.requests)) || (l.tpm && low(h.tokens, target.tokens)) ||
         (l.tokens_per_day && low(h.day_tokens, target.day_tokens)) ||
         (l.budget_usd_per_month && low(h.cost_nusd, target.cost_nusd)) ||
         (l.max_parallel && low(h.slots - lease.in_flight, target.slots));
}

void describe_lease(const ScopeLease& lease, Admission& admission) {
  auto add = [](std::optional<WindowState>& into, const std::optional<WindowState>& redis,
                std::int64_t held) {
    if (!redis) return;
    WindowState w = *redis;
    w.remaining = std::min(w.limit, w.remaining + held);
    merge_window(into, w);
  };
  if (lease.limits.rpm) add(admission.requests, lease.requests_window, lease.held.requests);
  if (lease.limits.tpm) add(admission.tokens, lease.tokens_window, lease.held.tokens);
}

SyncPlan plan_sync(ScopeLease& lease, double slice, bool release_all) {
  SyncPlan plan;
  LeaseUnits& h = lease.held;
  plan.settled = lease.settled;
  lease.settled = {};
  // Rate units go back at every sync (a unit is never spent long after it was charged).
  plan.give_back.requests = std::exchange(h.requests, 0);
  plan.give_back.tokens = std::exchange(h.tokens, 0);
  std::int64_t free_slots = std::max<std::int64_t>(0, h.slots - lease.in_flight);
  if (release_all) {
    plan.give_back.day_tokens = std::exchange(h.day_tokens, 0);
    plan.give_back.cost_nusd = std::exchange(h.cost_nusd, 0);
    plan.give_back.slots = free_slots;
    h.slots -= free_slots;
  } else {
    const core::LimitSet& l = lease.limits;
    LeaseUnits target = lease_target(l, slice);
    plan.want.requests = target.requests;
    plan.want.tokens = target.tokens;
    if (l.tokens_per_day)
      plan.want.day_tokens = std::max<std::int64_t>(0, target.day_tokens - h.day_tokens);
    if (l.budget_usd_per_month) {
      plan.want.cost_nusd = std::max<std::int64_t>(0, target.cost_nusd - h.cost_nusd);
    }
    if (free_slots > target.slots) {
      plan.give_back.slots = free_slots - target.slots;  // more than a slice idle
      h.slots -= plan.give_back.slots;
    } else if (l.max_parallel) {
      plan.want.slots = target.slots - free_slots;
    }
  }
  lease.draws = 0;
  lease.wanted = false;
  lease.syncing = true;
  return plan;
}

void apply_grant(ScopeLease& lease, const LeaseUnits& granted, bool renewed, std::int64_t sent_ns,
                 std::int64_t ttl_ns) {
  LeaseUnits& h = lease.held;
  if (!renewed) {
    // Redis gave this replica's quota units and slots back (the lease had expired there).
    h.day_tokens = 0;
    h.cost_nusd = 0;
    h.slots = 0;
  }
  h.requests += granted.requests;
  h.tokens += granted.tokens;
  h.day_tokens += granted.day_tokens;
  h.cost_nusd += granted.cost_nusd;
  h.slots += granted.slots;
  lease.valid_until_ns = sent_ns + ttl_ns;
  lease.last_sync_ns = sent_ns;
  lease.syncing = false;
  lease.no_refill_before_ns = left_empty(lease) ? sent_ns + ttl_ns / 4 : 0;
}

bool refill_allowed(const ScopeLease& lease, std::int64_t now_ns) {
  return !lease.syncing && now_ns >= lease.no_refill_before_ns;
}

void sync_failed(ScopeLease& lease, const SyncPlan& plan) {
  lease.settled += plan.settled;
  lease.syncing = false;
}

}  // namespace tollgate::policies::limits
