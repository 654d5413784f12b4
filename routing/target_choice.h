// The strategies: which of a model's targets takes the next attempt. Targets whose
// breaker is open, targets this request already tried (while others remain), targets
// outside the caller's residency regions, and targets of another kind than a request's
// dialect-only fields need, are never picked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/config.h"
#include "routing/target_health.h"

namespace tollgate::routing {

struct ModelTargets {
  const core::ModelConfig* model = nullptr;
  // One per model->targets[i]; shared with the runtime before a reload when the target
  // is still there (Router's `previous`).
  std::vector<std::shared_ptr<TargetHealth>> health;
  std::vector<double> cost_per_million;  // input + output price; <0: no price
  std::vector<std::string> region;       // its provider's `region`
  std::vector<std::string> kind;         // its provider's `kind`
  std::atomic<std::uint64_t> round_robin{0};
};

// Whether target `i` may serve a caller held to `residency` (empty: any region) and, when
// `only_kind` is given, whether its provider is of that kind (a request with fields only
// that dialect takes: Anthropic's server tools).
bool compliant(const ModelTargets& targets, std::size_t i,
               const std::vector<std::string>& residency, std::string_view only_kind = {});

// `tried[i]` is true for targets this request already used. Returns the index to try,
// or nullopt when every target is unavailable (breakers open, zero weights, outside
// `residency`).
std::optional<std::size_t> choose_target(ModelTargets& targets, const std::vector<bool>& tried,
                                         TargetHealth::Clock::time_point now,
                                         const std::vector<std::string>& residency = {},
                                         std::string_view only_kind = {});

}  // namespace tollgate::routing
