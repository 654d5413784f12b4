// GCRA with a burst tolerance of a whole period: tat is when the bucket would be empty
// of debt; a request is admitted when its new tat is no more than one period ahead.
#include "policies/limits/gcra.h"

#include <algorithm>

namespace tollgate::policies::limits {

namespace {

GcraResult describe(std::int64_t tat_ns, const GcraLimit& limit, std::int64_t now_ns) {
  GcraResult result;
  std::int64_t debt = std::max<std::int64_t>(0, tat_ns - now_ns);
  std::int64_t emission = std::max<std::int64_t>(1, limit.emission_ns());
  result.remaining = std::max<std::int64_t>(0, (limit.period_ns - debt) / emission);
  result.remaining = std::min(result.remaining, limit.limit);
  result.reset_ns = debt;
  return result;
}

}  // namespace

GcraResult gcra_admit(std::int64_t& tat_ns, const GcraLimit& limit, std::int64_t now_ns,
                      std::int64_t cost) {
  std::int64_t emission = std::max<std::int64_t>(1, limit.emission_ns());
  std::int64_t base = std::max(tat_ns, now_ns);
  std::int64_t new_tat = base + cost * emission;
  if (cost > limit.limit) {
    GcraResult result = describe(tat_ns, limit, now_ns);
    result.never = true;
    return result;
  }
  if (new_tat - now_ns > limit.period_ns) {
    GcraResult result = describe(tat_ns, limit, now_ns);
    result.retry_after_ns = new_tat - limit.period_ns - now_ns;
    return result;
  }
  tat_ns = new_tat;
  GcraResult result = describe(tat_ns, limit, now_ns);
  result.allowed = true;
  return result;
}

GcraResult gcra_peek(std::int64_t tat_ns, const GcraLimit& limit, std::int64_t now_ns) {
  return describe(tat_ns, limit, now_ns);
}

void gcra_adjust(std::int64_t& tat_ns, const GcraLimit& limit, std::int64_t now_ns,
                 std::int64_t delta) {
  std::int64_t emission = std::max<std::int64_t>(1, limit.emission_ns());
  if (delta >= 0) {
    // Used more than admitted: the debt grows from now on, even past one period (the
    // next requests wait for it).
    tat_ns = std::max(tat_ns, now_ns) + delta * emission;
  } else {
    // Capacity given back never makes the scope better off than an idle one.
    tat_ns = std::max(tat_ns + delta * emission, now_ns);
  }
}

}  // namespace tollgate::policies::limits
