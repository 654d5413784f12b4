// The router's pure parts: breaker transitions, and each strategy's choice.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "routing/target_choice.h"

using namespace tollgate;
using namespace tollgate::routing;
using namespace std::chrono_literals;

namespace {

core::ModelConfig model_of(core::Strategy strategy, std::vector<unsigned> weights) {
  core::ModelConfig m;
  m.name = "m";
  m.strategy = strategy;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    core::TargetConfig t;
    t.provider = "p";
    t.model = "t" + std::to_string(i);
    t.weight = weights[i];
    m.targets.push_back(t);
  }
  return m;
}

// ModelTargets holds atomics (not movable): made in place.
std::unique_ptr<ModelTargets> targets_of(const core::ModelConfig& m,
                                         core::BreakerConfig breaker = {}) {
  auto targets = std::make_unique<ModelTargets>();
  targets->model = &m;
  for (std::size_t i = 0; i < m.targets.size(); ++i) {
    targets->health.push_back(std::make_shared<TargetHealth>("t" + std::to_string(i), breaker));
    targets->cost_per_million.push_back(-1);
    targets->region.push_back(i % 2 == 0 ? "eu" : "us");
  }
  return targets;
}

}  // namespace

TEST_CASE("breaker: opens after N failures in a row, one probe when open_for is up") {
  TargetHealth h("x", core::BreakerConfig{3, 10s});
  auto t0 = TargetHealth::Clock::now();
  h.on_failure(t0);
  h.on_failure(t0);
  REQUIRE(h.state() == BreakerState::closed);
  h.on_alive();  // a 400: the target is alive, the count starts again
  h.on_failure(t0);
  h.on_failure(t0);
  REQUIRE(h.state() == BreakerState::closed);
  h.on_failure(t0);
  REQUIRE(h.state() == BreakerState::open);
  REQUIRE_FALSE(h.available(t0 + 9s));
  REQUIRE_FALSE(h.admit(t0 + 9s));
  REQUIRE(h.admit(t0 + 10s));  // the probe
  REQUIRE(h.state() == BreakerState::half_open);
  REQUIRE_FALSE(h.admit(t0 + 10s));  // only one
  h.on_failure(t0 + 10s);            // the probe failed: open again at once
  REQUIRE(h.state() == BreakerState::open);
  REQUIRE(h.admit(t0 + 20s));
  h.on_success(5ms);
  REQUIRE(h.state() == BreakerState::closed);
  REQUIRE(h.latency_us() == 5000);
}

TEST_CASE("weighted: zero weight never chosen; shares follow weights") {
  auto m = model_of(core::Strategy::weighted, {3, 1, 0});
  auto targets_owned = targets_of(m);
  auto& targets = *targets_owned;
  std::vector<bool> tried(3, false);
  std::map<std::size_t, int> counts;
  for (int i = 0; i < 4000; ++i)
    counts[*choose_target(targets, tried, TargetHealth::Clock::now())]++;
  REQUIRE(counts[2] == 0);
  REQUIRE(counts[0] > 2700);
  REQUIRE(counts[0] < 3300);
}

TEST_CASE("a target already tried is taken only when nothing else is left") {
  auto m = model_of(core::Strategy::round_robin, {1, 1});
  auto targets_owned = targets_of(m);
  auto& targets = *targets_owned;
  std::vector<bool> tried{true, false};
  for (int i = 0; i < 10; ++i)
    REQUIRE(*choose_target(targets, tried, TargetHealth::Clock::now()) == 1);
  tried = {true, true};
  REQUIRE(choose_target(targets, tried, TargetHealth::Clock::now()).has_value());
}

TEST_CASE("least_latency tries unmeasured targets first, then the fastest") {
  auto m = model_of(core::Strategy::least_latency, {1, 1, 1});
  auto targets_owned = targets_of(m);
  auto& targets = *targets_owned;
  std::vector<bool> tried(3, false);
  targets.health[0]->on_success(50ms);
  targets.health[1]->on_success(10ms);
  REQUIRE(*choose_target(targets, tried, TargetHealth::Clock::now()) == 2);  // never measured
  targets.health[2]->on_success(30ms);
  REQUIRE(*choose_target(targets, tried, TargetHealth::Clock::now()) == 1);
  // The average decays toward new samples: target 1 slows down.
  for (int i = 0; i < 20; ++i) targets.health[1]->on_success(100ms);
  REQUIRE(*choose_target(targets, tried, TargetHealth::Clock::now()) == 2);
}

TEST_CASE("least_busy and lowest_cost; open breakers are skipped") {
  auto busy = model_of(core::Strategy::least_busy, {1, 1});
  auto bt_owned = targets_of(busy);
  auto& bt = *bt_owned;
  std::vector<bool> tried(2, false);
  bt.health[0]->begin();
  REQUIRE(*choose_target(bt, tried, TargetHealth::Clock::now()) == 1);

  auto cost = model_of(core::Strategy::lowest_cost, {1, 1, 1});
  auto ct_owned = targets_of(cost, core::BreakerConfig{1, 30s});
  auto& ct = *ct_owned;
  ct.cost_per_million = {5.0, -1.0, 1.0};  // the unpriced one is the last resort
  REQUIRE(*choose_target(ct, tried, TargetHealth::Clock::now()) == 2);
  ct.health[2]->on_failure(TargetHealth::Clock::now());
  std::vector<bool> none(3, false);
  REQUIRE(*choose_target(ct, none, TargetHealth::Clock::now()) == 0);
  ct.health[0]->on_failure(TargetHealth::Clock::now());
  REQUIRE(*choose_target(ct, none, TargetHealth::Clock::now()) == 1);
  ct.health[1]->on_failure(TargetHealth::Clock::now());
  REQUIRE_FALSE(choose_target(ct, none, TargetHealth::Clock::now()).has_value());
}

TEST_CASE("residency: only targets in the caller's regions are picked, on every try") {
  auto m = model_of(core::Strategy::round_robin, {1, 1, 1, 1});  // eu, us, eu, us
  auto targets = targets_of(m);
  std::vector<bool> tried(4, false);
  std::vector<std::string> eu{"eu"};
  for (int i = 0; i < 20; ++i) {
    auto pick = choose_target(*targets, tried, TargetHealth::Clock::now(), eu);
    REQUIRE(pick);
    CHECK(*pick % 2 == 0);
  }
  tried = {true, false, true, false};  // both EU targets tried: one is tried again
  auto again = choose_target(*targets, tried, TargetHealth::Clock::now(), eu);
  REQUIRE(again);
  CHECK(*again % 2 == 0);
  CHECK_FALSE(choose_target(*targets, tried, TargetHealth::Clock::now(), {"ch"}).has_value());
  CHECK(compliant(*targets, 1, {}));
  CHECK_FALSE(compliant(*targets, 1, eu));
}

TEST_CASE("a request only one kind of provider takes is never given another kind") {
  auto m = model_of(core::Strategy::round_robin, {1, 1, 1, 1});
  auto targets = targets_of(m);
  targets->kind = {"openai", "anthropic", "openai", "gemini"};
  std::vector<bool> tried(4, false);
  for (int i = 0; i < 8; ++i) {
    CHECK(choose_target(*targets, tried, TargetHealth::Clock::now(), {}, "anthropic") == 1u);
  }
  tried[1] = true;  // tried already: the same one again, never another kind
  CHECK(choose_target(*targets, tried, TargetHealth::Clock::now(), {}, "anthropic") == 1u);
  CHECK_FALSE(compliant(*targets, 0, {}, "anthropic"));
  CHECK(compliant(*targets, 0, {}));
}
