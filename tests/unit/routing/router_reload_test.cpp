// A reload builds a new Router from the old one: a target still there keeps its breaker
// (an open one stays open) and latency, even when the breaker's settings change; a new
// target starts closed.
#include <catch2/catch.hpp>

#include "gateway/config/config_loader.h"
#include "gateway/core/provider_registry.h"
#include "routing/providers/builtin.h"
#include "routing/router.h"

using namespace tollgate;

namespace {

core::ConfigPtr config_of(const std::string& yaml) {
  static const core::ProviderRegistry providers = [] {
    core::ProviderRegistry registry;
    routing::providers::register_builtin_providers(registry);
    return registry;
  }();
  gateway::config::LoadOptions options;
  options.providers = &providers;
  return gateway::config::load_config_text(yaml, "test.yaml", options);
}

const std::string kModels =
    "models:\n"
    "  - {name: m, targets: [{provider: demo, model: a}, {provider: demo, model: b}]}\n";

}  // namespace

TEST_CASE("a reload keeps the breakers of targets that are still there", "[routing]") {
  core::ConfigPtr first = config_of("circuit_breaker: {failures: 2, open_for: 30s}\n" + kModels);
  routing::Router before(*first);
  auto now = routing::TargetHealth::Clock::now();
  auto& health = const_cast<routing::TargetHealth&>(*before.health("m", 0));
  health.on_failure(now);
  health.on_failure(now);
  REQUIRE(health.state() == routing::BreakerState::open);

  core::ConfigPtr same = config_of("circuit_breaker: {failures: 2, open_for: 30s}\n" + kModels +
                                   "  - {name: n, targets: [{provider: demo, model: a}]}\n");
  routing::Router after(*same, &before);
  CHECK(after.health("m", 0) == before.health("m", 0));  // the same breaker, shared
  CHECK(after.health("m", 0)->state() == routing::BreakerState::open);
  CHECK(after.health("m", 1)->state() == routing::BreakerState::closed);
  CHECK(after.health("n", 0)->state() == routing::BreakerState::closed);  // another model's

  core::ConfigPtr changed = config_of("circuit_breaker: {failures: 9, open_for: 5s}\n" + kModels);
  routing::Router retuned(*changed, &before);
  CHECK(retuned.health("m", 0) != before.health("m", 0));
  CHECK(retuned.health("m", 0)->state() == routing::BreakerState::open);
  CHECK(retuned.health("m", 0)->breaker().failures == 9);
}
