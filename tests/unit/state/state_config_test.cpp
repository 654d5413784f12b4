// The `state:` section's leases (state.redis_lease): off unless given, checked bounds.
#include <catch2/catch.hpp>

#include "gateway/core/errors.h"
#include "state/state_services.h"
#include "tests/unit/config_support.h"

using namespace tollgate;

namespace {

state::StateConfig state_of(const std::string& section) {
  return state::read_state_config(*testing::config_of("state:\n" + section));
}

}  // namespace

TEST_CASE("leases are off by default and on with their defaults when given") {
  REQUIRE_FALSE(state_of("  redis: redis://127.0.0.1:6379/0\n").redis_lease.enabled);
  auto on = state_of("  redis: redis://127.0.0.1:6379/0\n  redis_lease: {}\n").redis_lease;
  REQUIRE(on.enabled);
  REQUIRE(on.slice == 0.05);
  REQUIRE(on.ttl == std::chrono::seconds(1));
  auto set = state_of(
                 "  redis: redis://127.0.0.1:6379/0\n"
                 "  redis_lease: {enabled: true, slice: 0.2, ttl: 500ms}\n")
                 .redis_lease;
  REQUIRE(set.slice == 0.2);
  REQUIRE(set.ttl == std::chrono::milliseconds(500));
  REQUIRE_FALSE(state_of("  redis: redis://127.0.0.1:6379/0\n  redis_lease: {enabled: false}\n")
                    .redis_lease.enabled);
}

TEST_CASE("lease settings out of bounds, or without Redis, are config errors naming the key") {
  auto fails = [](const std::string& section, const std::string& message) {
    REQUIRE_THROWS_WITH(state_of(section), Catch::Contains(message));
  };
  const std::string redis = "  redis: redis://127.0.0.1:6379/0\n";
  fails(redis + "  redis_lease: {slice: 0}\n", "state.redis_lease.slice");
  fails(redis + "  redis_lease: {slice: 0.9}\n", "at most 0.5");
  fails(redis + "  redis_lease: {slice: many}\n", "must be a number");
  fails(redis + "  redis_lease: {ttl: 10ms}\n", "state.redis_lease.ttl");
  fails(redis + "  redis_lease: {size: 3}\n", "size");
  fails("  redis_lease: {slice: 0.1}\n", "needs state.redis");
}
