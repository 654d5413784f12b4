// The rate-window maths at its boundaries: a burst of the limit, then exactly one unit
// per emission interval; never 2× at any boundary; corrections after the fact.
#include <catch2/catch.hpp>

#include "policies/limits/gcra.h"

using namespace tollgate::policies::limits;

namespace {
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
}  // namespace

TEST_CASE("a fresh limit admits a burst of exactly its size, then refuses") {
  GcraLimit limit{60, kMinute};  // one a second
  std::int64_t tat = 0;
  const std::int64_t t0 = 1000 * kMinute;
  for (int i = 0; i < 60; ++i) {
    GcraResult r = gcra_admit(tat, limit, t0, 1);
    REQUIRE(r.allowed);
    REQUIRE(r.remaining == 59 - i);
  }
  GcraResult refused = gcra_admit(tat, limit, t0, 1);
  REQUIRE_FALSE(refused.allowed);
  REQUIRE(refused.remaining == 0);
  REQUIRE(refused.retry_after_ns == kSecond);  // the next unit comes back in 1 s
  REQUIRE(refused.reset_ns == kMinute);        // the whole burst in a minute
}

TEST_CASE("after a burst, capacity returns one emission interval at a time") {
  GcraLimit limit{60, kMinute};
  std::int64_t tat = 0;
  const std::int64_t t0 = 5 * kMinute;
  for (int i = 0; i < 60; ++i) REQUIRE(gcra_admit(tat, limit, t0, 1).allowed);
  REQUIRE_FALSE(gcra_admit(tat, limit, t0 + kSecond - 1, 1).allowed);  // 1 ns early
  REQUIRE(gcra_admit(tat, limit, t0 + kSecond, 1).allowed);            // on the dot
  REQUIRE_FALSE(gcra_admit(tat, limit, t0 + kSecond, 1).allowed);
}

TEST_CASE("no window boundary lets twice the limit through") {
  // A fixed one-minute window would admit 60 at 0:59.9 and 60 more at 1:00.0.
  GcraLimit limit{60, kMinute};
  std::int64_t tat = 0;
  const std::int64_t t0 = 10 * kMinute;
  int admitted = 0;
  for (int i = 0; i < 200; ++i) admitted += gcra_admit(tat, limit, t0 - 100'000'000, 1).allowed;
  for (int i = 0; i < 200; ++i) admitted += gcra_admit(tat, limit, t0, 1).allowed;
  REQUIRE(admitted == 60);
}

TEST_CASE("over any minute at most the limit plus the refilled share passes") {
  GcraLimit limit{10, kMinute};  // one every 6 s
  std::int64_t tat = 0;
  const std::int64_t t0 = 100 * kMinute;
  int admitted = 0;
  // Try every 100 ms for one minute: the burst of 10, then one per 6 s.
  for (std::int64_t t = t0; t < t0 + kMinute; t += kSecond / 10) {
    admitted += gcra_admit(tat, limit, t, 1).allowed;
  }
  REQUIRE(admitted == 10 + 9);
}

TEST_CASE("weighted costs: tokens admitted in one go, larger than the limit never") {
  GcraLimit limit{1000, kMinute};
  std::int64_t tat = 0;
  const std::int64_t t0 = kMinute;
  REQUIRE(gcra_admit(tat, limit, t0, 600).allowed);
  GcraResult r = gcra_admit(tat, limit, t0, 600);
  REQUIRE_FALSE(r.allowed);
  REQUIRE_FALSE(r.never);
  REQUIRE(r.remaining == 400);
  REQUIRE(r.retry_after_ns == 200 * (kMinute / 1000));  // 200 tokens must come back
  GcraResult too_big = gcra_admit(tat, limit, t0, 1001);
  REQUIRE_FALSE(too_big.allowed);
  REQUIRE(too_big.never);
}

TEST_CASE("corrections: an overestimate gives capacity back, an underestimate takes more") {
  GcraLimit limit{1000, kMinute};
  const std::int64_t t0 = kMinute;
  std::int64_t tat = 0;
  REQUIRE(gcra_admit(tat, limit, t0, 800).allowed);  // estimate
  gcra_adjust(tat, limit, t0, -700);                 // it used 100
  REQUIRE(gcra_peek(tat, limit, t0).remaining == 900);
  gcra_adjust(tat, limit, t0, 1500);  // then something used far more than admitted
  REQUIRE(gcra_peek(tat, limit, t0).remaining == 0);
  REQUIRE_FALSE(gcra_admit(tat, limit, t0 + 30 * kSecond, 1).allowed);
  // Giving back more than was ever taken leaves the scope as if idle, never better.
  std::int64_t idle = 0;
  gcra_adjust(idle, limit, t0, -5000);
  REQUIRE(gcra_peek(idle, limit, t0).remaining == 1000);
  REQUIRE(gcra_admit(idle, limit, t0, 1000).allowed);
  REQUIRE_FALSE(gcra_admit(idle, limit, t0, 1).allowed);
}
