// The arithmetic of per-replica leases (`state.redis_lease`), without Redis or locks: what
// a replica holds of one scope's limits, whether a request can be admitted on it, what it
// gives back and asks for at the next sync, and the usage it owes Redis meanwhile.
// The Redis side (lease_keeper.cpp) takes and returns units atomically; this side only
// ever spends units Redis has already charged, so replicas together never pass a limit.
#pragma once

#include <cstdint>
#include <optional>

#include "policies/limits/counter_store.h"

namespace tollgate::policies::limits {

// Units of a scope's limits, one field per limit kind.
struct LeaseUnits {
  std::int64_t requests = 0;    // rpm
  std::int64_t tokens = 0;      // tpm
  std::int64_t day_tokens = 0;  // tokens_per_day
  std::int64_t cost_nusd = 0;   // budget_usd_per_month
  std::int64_t slots = 0;       // max_parallel

  bool empty() const {
    return requests == 0 && tokens == 0 && day_tokens == 0 && cost_nusd == 0 && slots == 0;
  }
};

// What requests admitted on the lease used, summed until the next sync adds it in Redis.
struct LeaseSettlements {
  std::int64_t requests = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cost_nusd = 0;
  std::int64_t tpm_correction = 0;      // real tokens minus the estimates admitted (tpm)
  std::int64_t released_tokens = 0;     // estimates drawn from day_tokens, now settled
  std::int64_t released_cost_nusd = 0;  // the same for the budget

  bool empty() const { return requests == 0; }
  LeaseSettlements& operator+=(const LeaseSettlements& o);
};

// One scope's lease on this replica.
struct ScopeLease {
  core::LimitSet limits;            // as the latest request saw them
  LeaseUnits held;                  // granted and not drawn; slots: held in all, in use or not
  std::int64_t in_flight = 0;       // requests admitted on the lease and not settled
  std::int64_t valid_until_ns = 0;  // steady clock: nothing is drawn after it
  std::int64_t draws = 0;           // since the last sync was planned
  LeaseSettlements settled;
  bool syncing = false;  // a sync is under way (one at a time)
  bool wanted = false;   // a request found it short: sync now, not at the next tick
  // After a sync Redis could not fill (a limit used up), requests finding the lease short
  // wait for the regular syncs until then: a burst of refusals is not also a burst of syncs.
  std::int64_t no_refill_before_ns = 0;
  std::int64_t last_sync_ns = 0;
  // Redis's windows at the last sync (for x-ratelimit-*), before this replica's units.
  std::optional<WindowState> requests_window, tokens_window;
};

// The units a full lease holds of each limit the scope has: `slice` of it, at least one.
LeaseUnits lease_target(const core::LimitSet& limits, double slice);

// True when the request fits in what the lease holds (every limit of the scope).
bool can_draw(const ScopeLease& lease, const AdmitRequest& request, std::int64_t now_ns);
// Takes the request out of the lease (call only after can_draw).
void draw(ScopeLease& lease, const AdmitRequest& request);
// A request is done: it owes its usage to Redis and, when it was admitted on the lease
// (Settlement::admitted_by_lease; else it was held to no limit), frees its slot and
// gives its estimates back.
void settle_draw(ScopeLease& lease, const AdmitRequest& request, const Settlement& settlement);
// True when some limit holds less than half its target: worth a sync before it runs out.
bool running_low(const ScopeLease& lease, double slice);
// Adds the lease's view of its windows to an admission's headers: Redis's remaining at the
// last sync plus what this replica still holds.
void describe_lease(const ScopeLease& lease, Admission& admission);

// One sync with Redis: usage to add, units to give back, units to ask for.
struct SyncPlan {
  LeaseSettlements settled;
  LeaseUnits give_back;
  LeaseUnits want;
};

// Plans a sync and takes out of the lease what it sends (settlements, units given back),
// so requests drawing meanwhile never spend a unit on its way back.
// Rate units (rpm, tpm) are all given back and taken afresh at every sync, so a unit is
// spent at most one sync interval after Redis charged it; quota units (daily tokens,
// budget) and slots are kept and topped up, and given back in full when `release_all`
// (the scope was idle since the last sync, or shutdown).
SyncPlan plan_sync(ScopeLease& lease, double slice, bool release_all);

// What Redis granted for a plan sent at `sent_ns`. `renewed` false: Redis no longer had
// this replica's lease (it expired there), so what the lease held of quotas and slots is
// gone and only the grant is held. A grant that leaves the lease short holds off the next
// refill for ttl/4.
void apply_grant(ScopeLease& lease, const LeaseUnits& granted, bool renewed, std::int64_t sent_ns,
                 std::int64_t ttl_ns);
// True when a request finding the lease short may ask for a sync at once.
bool refill_allowed(const ScopeLease& lease, std::int64_t now_ns);

// A sync that got no answer: its settlements are owed again (usage is never lost).
void sync_failed(ScopeLease& lease, const SyncPlan& plan);

}  // namespace tollgate::policies::limits
