// The limits stage's own sections: `users:` and `teams:` (limits shared by every key of a
// user or team), `limits:` (how a request is reserved at admission); and the prices (the
// config's `pricing:`, by served model) for budgets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/principal.h"

namespace tollgate::policies::limits {

struct LimitsConfig {
  std::map<std::string, core::LimitSet, std::less<>> users;
  std::map<std::string, core::LimitSet, std::less<>> teams;
  std::map<std::string, core::Price, std::less<>> pricing;  // by model name (the one served)
  // Completion tokens reserved for a request without max_tokens
  // (`limits.default_completion_tokens`).
  std::int64_t default_completion_tokens = 1024;
  // By model name a client may send: the prices of every model that may serve it (its
  // targets, its fallbacks' targets, its own name in `pricing`).
  std::map<std::string, std::vector<core::Price>, std::less<>> serving_prices;
  // Routing rules by their model glob (empty: any), with the prices of what they route to.
  std::vector<std::pair<std::string, std::vector<core::Price>>> rule_prices;

  // Cost of a request in nano-USD; 0 for a model without a price.
  std::int64_t cost_nusd(std::string_view model, std::int64_t prompt_tokens,
                         std::int64_t completion_tokens) const;
  // The most a request for `requested` could cost: routing runs after the limits stage,
  // so this prices it as the most expensive model that may serve it (any target of the
  // model and of its fallback chain, or of a routing rule whose model matches).
  std::int64_t max_cost_nusd(std::string_view requested, std::int64_t prompt_tokens,
                             std::int64_t completion_tokens) const;
};

// Throws core::ConfigError.
LimitsConfig read_limits_config(const core::Config& config);

}  // namespace tollgate::policies::limits
