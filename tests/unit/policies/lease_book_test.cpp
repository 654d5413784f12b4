// The lease arithmetic (state.redis_lease): a replica admits only on units Redis granted
// it, gives back what it did not spend, and owes Redis every request's usage.
#include <catch2/catch.hpp>

#include <random>

#include "policies/limits/lease_book.h"

using namespace tollgate::policies::limits;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1000 * kSecond;

AdmitRequest request_of(const tollgate::core::LimitSet& limits, std::int64_t tokens = 0,
                        std::int64_t cost = 0) {
  AdmitRequest r;
  r.scopes.push_back({"key:k", limits});
  r.token_estimate = tokens;
  r.cost_estimate_nusd = cost;
  return r;
}

ScopeLease granted(const tollgate::core::LimitSet& limits, const LeaseUnits& units) {
  ScopeLease lease;
  lease.limits = limits;
  plan_sync(lease, 0.1, false);
  apply_grant(lease, units, true, kNow, kSecond);
  return lease;
}

Settlement used(std::int64_t prompt, std::int64_t completion, std::int64_t cost = 0) {
  Settlement s;
  s.admitted_by_lease = true;
  s.usage.prompt_tokens = prompt;
  s.usage.completion_tokens = completion;
  s.cost_nusd = cost;
  return s;
}

}  // namespace

TEST_CASE("a lease's target is its slice of each limit, at least one unit") {
  tollgate::core::LimitSet l;
  l.rpm = 600;
  l.tpm = 10;
  l.max_parallel = 7;
  l.budget_usd_per_month = 2.0;
  LeaseUnits t = lease_target(l, 0.05);
  REQUIRE(t.requests == 30);
  REQUIRE(t.tokens == 1);  // 0.5 rounds down, but never to nothing
  REQUIRE(t.slots == 1);
  REQUIRE(t.cost_nusd == 100'000'000);
  REQUIRE(t.day_tokens == 0);  // no such limit: nothing leased
  l.tokens_per_day = std::int64_t{1} << 60;
  REQUIRE(lease_target(l, 0.5).day_tokens == std::int64_t{1} << 50);  // exact in Lua's doubles
}

TEST_CASE("a lease admits exactly the requests it was granted, and nothing once it expires") {
  tollgate::core::LimitSet l;
  l.rpm = 100;
  ScopeLease lease = granted(l, {.requests = 5});
  AdmitRequest r = request_of(l);
  int admitted = 0;
  for (int i = 0; i < 10 && can_draw(lease, r, kNow); ++i, ++admitted) draw(lease, r);
  REQUIRE(admitted == 5);
  REQUIRE(running_low(lease, 0.1));

  ScopeLease fresh = granted(l, {.requests = 5});
  REQUIRE(can_draw(fresh, r, kNow + kSecond - 1));
  REQUIRE_FALSE(can_draw(fresh, r, kNow + kSecond));  // past its ttl: the exact path
}

TEST_CASE("tokens, daily tokens and budget are drawn by the request's estimate") {
  tollgate::core::LimitSet l;
  l.tpm = 10'000;
  l.tokens_per_day = 100'000;
  l.budget_usd_per_month = 10.0;
  ScopeLease lease = granted(l, {.tokens = 1000, .day_tokens = 1500, .cost_nusd = 900});
  REQUIRE(can_draw(lease, request_of(l, 1000, 900), kNow));
  REQUIRE_FALSE(can_draw(lease, request_of(l, 1001, 1), kNow));  // over the tpm slice
  REQUIRE_FALSE(can_draw(lease, request_of(l, 10, 901), kNow));  // over the budget slice
  AdmitRequest r = request_of(l, 600, 300);
  draw(lease, r);
  REQUIRE(lease.held.tokens == 400);
  REQUIRE(lease.held.day_tokens == 900);
  REQUIRE(lease.held.cost_nusd == 600);
  // Settled: the usage is owed to Redis, and the estimate leaves the lease's reservation.
  settle_draw(lease, r, used(200, 500, 250));
  REQUIRE(lease.settled.requests == 1);
  REQUIRE(lease.settled.prompt_tokens == 200);
  REQUIRE(lease.settled.completion_tokens == 500);
  REQUIRE(lease.settled.cost_nusd == 250);
  REQUIRE(lease.settled.tpm_correction == 100);
  REQUIRE(lease.settled.released_tokens == 600);
  REQUIRE(lease.settled.released_cost_nusd == 300);
}

TEST_CASE("slots are held while requests run and come back to the lease when they end") {
  tollgate::core::LimitSet l;
  l.max_parallel = 10;
  ScopeLease lease = granted(l, {.slots = 2});
  AdmitRequest r = request_of(l);
  draw(lease, r);
  draw(lease, r);
  REQUIRE_FALSE(can_draw(lease, r, kNow));
  settle_draw(lease, r, used(1, 1));
  REQUIRE(can_draw(lease, r, kNow));
  REQUIRE(lease.held.slots == 2);  // a slot is reused, not given back per request
}

TEST_CASE("a sync gives every rate unit back, tops quotas up, and carries the usage") {
  tollgate::core::LimitSet l;
  l.rpm = 1000;
  l.tokens_per_day = 10'000;
  l.max_parallel = 100;
  ScopeLease lease = granted(l, {.requests = 40, .day_tokens = 300, .slots = 25});
  AdmitRequest r = request_of(l, 100);
  draw(lease, r);
  settle_draw(lease, r, used(50, 50));
  draw(lease, r);  // still running
  SyncPlan plan = plan_sync(lease, 0.1, false);
  REQUIRE(plan.give_back.requests == 38);  // all of them: never spent long after charged
  REQUIRE(plan.want.requests == 100);
  REQUIRE(plan.want.day_tokens == 1000 - 100);
  REQUIRE(plan.give_back.slots == 14);  // 24 free: more than a slice (10) idle
  REQUIRE(plan.settled.requests == 1);
  REQUIRE(lease.held.requests == 0);  // nothing drawn meanwhile from units on their way back
  REQUIRE(lease.settled.empty());
  REQUIRE(lease.syncing);

  sync_failed(lease, plan);  // no answer: the usage is owed again, never lost
  REQUIRE(lease.settled.requests == 1);
  REQUIRE_FALSE(lease.syncing);

  SyncPlan idle = plan_sync(lease, 0.1, true);
  REQUIRE(idle.give_back.day_tokens == 100);
  REQUIRE(idle.give_back.slots == 10);  // the one in use stays held
  REQUIRE(idle.want.empty());
  REQUIRE(lease.held.slots == 1);
}

TEST_CASE("a lease Redis no longer had keeps only the new grant") {
  tollgate::core::LimitSet l;
  l.tokens_per_day = 10'000;
  ScopeLease lease = granted(l, {.day_tokens = 500});
  plan_sync(lease, 0.1, false);
  apply_grant(lease, {.day_tokens = 200}, false, kNow + kSecond, kSecond);
  REQUIRE(lease.held.day_tokens == 200);
  REQUIRE(lease.valid_until_ns == kNow + 2 * kSecond);
}

TEST_CASE("two replicas leasing one limit never admit more than it, and give back the rest") {
  // Redis's side, as the lease script does it for a window that does not refill.
  const std::int64_t limit = 100;
  std::int64_t left = limit;
  tollgate::core::LimitSet l;
  l.rpm = limit;
  ScopeLease replicas[2];
  for (auto& lease : replicas) lease.limits = l;
  std::mt19937 rng(19);
  std::int64_t admitted = 0;
  AdmitRequest r = request_of(l);
  auto sync = [&](ScopeLease& lease, bool release_all) {
    SyncPlan plan = plan_sync(lease, 0.07, release_all);
    left += plan.give_back.requests;
    std::int64_t grant = std::min(plan.want.requests, left);
    left -= grant;
    apply_grant(lease, {.requests = grant}, true, kNow, kSecond);
  };
  for (int step = 0; step < 2000; ++step) {
    ScopeLease& lease = replicas[rng() % 2];
    if (rng() % 4 == 0) {
      sync(lease, false);
    } else if (can_draw(lease, r, kNow)) {
      draw(lease, r);
      ++admitted;
    }
    REQUIRE(admitted + left + replicas[0].held.requests + replicas[1].held.requests == limit);
  }
  REQUIRE(admitted == limit);
  for (auto& lease : replicas) sync(lease, true);
  REQUIRE(left == 0);
}

TEST_CASE("after a sync Redis could not fill, a short lease waits before asking again") {
  tollgate::core::LimitSet l;
  l.rpm = 100;
  ScopeLease lease = granted(l, {.requests = 0});  // the window was used up
  REQUIRE_FALSE(refill_allowed(lease, kNow));
  REQUIRE_FALSE(refill_allowed(lease, kNow + kSecond / 4 - 1));
  REQUIRE(refill_allowed(lease, kNow + kSecond / 4));

  ScopeLease full = granted(l, {.requests = 10});
  REQUIRE(refill_allowed(full, kNow));
  plan_sync(full, 0.1, false);
  REQUIRE_FALSE(refill_allowed(full, kNow));  // one sync at a time
}

TEST_CASE("a lease counts every request it admitted until it ends, slots or not") {
  tollgate::core::LimitSet l;
  l.tokens_per_day = 10'000;
  ScopeLease lease = granted(l, {.day_tokens = 1000});
  AdmitRequest r = request_of(l, 100);
  draw(lease, r);
  REQUIRE(lease.in_flight == 1);  // its reservation must be renewed while it runs
  Settlement unlimited = used(5, 5);
  unlimited.admitted_by_lease = false;  // another request, held to no limit
  settle_draw(lease, r, unlimited);
  REQUIRE(lease.in_flight == 1);
  REQUIRE(lease.settled.released_tokens == 0);
  settle_draw(lease, r, used(5, 5));
  REQUIRE(lease.in_flight == 0);
  REQUIRE(lease.settled.requests == 2);
  REQUIRE(lease.settled.released_tokens == 100);
}
