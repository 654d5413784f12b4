// The Generic Cell Rate Algorithm: an exact rate limit with O(1) state per scope (one
// "theoretical arrival time"), the same maths in process and in Redis's Lua. A limit of
// N per period admits a burst of N, then one unit every period/N as capacity returns;
// unlike a fixed window there is no boundary at which 2N get through at once.
// Costs may be more than one (tokens), and may be corrected after the fact (the
// provider's real usage against the estimate admitted).
#pragma once

#include <cstdint>

namespace tollgate::policies::limits {

struct GcraLimit {
  std::int64_t limit = 0;      // units per period
  std::int64_t period_ns = 0;  // e.g. one minute

  std::int64_t emission_ns() const { return period_ns / limit; }  // one unit's share
};

struct GcraResult {
  bool allowed = false;
  std::int64_t remaining = 0;       // units that could still be admitted now
  std::int64_t reset_ns = 0;        // until the full limit is available again
  std::int64_t retry_after_ns = 0;  // when denied: until `cost` would be admitted
  bool never = false;               // cost is larger than the whole limit
};

// Admits `cost` units at `now_ns` when the limit allows, updating `tat_ns` (0 = fresh).
GcraResult gcra_admit(std::int64_t& tat_ns, const GcraLimit& limit, std::int64_t now_ns,
                      std::int64_t cost);

// What the limit looks like at `now_ns` without admitting anything.
GcraResult gcra_peek(std::int64_t tat_ns, const GcraLimit& limit, std::int64_t now_ns);

// Corrects an earlier admission by `delta` units (negative gives capacity back).
void gcra_adjust(std::int64_t& tat_ns, const GcraLimit& limit, std::int64_t now_ns,
                 std::int64_t delta);

}  // namespace tollgate::policies::limits
