// The limits stage's own sections: `users:` and `teams:` (limits shared by every key of a
// user or team); and the prices (the config's `pricing:`, by served model) for budgets.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "gateway/core/config.h"
#include "gateway/core/principal.h"

namespace tollgate::policies::limits {

struct LimitsConfig {
  std::map<std::string, core::LimitSet, std::less<>> users;
  std::map<std::string, core::LimitSet, std::less<>> teams;
  std::map<std::string, core::Price, std::less<>> pricing;  // by model name (the one served)

  // Cost of a request in nano-USD; 0 for a model without a price.
  std::int64_t cost_nusd(std::string_view model, std::int64_t prompt_tokens,
                         std::int64_t completion_tokens) const;
};

// Throws core::ConfigError.
LimitsConfig read_limits_config(const core::Config& config);

}  // namespace tollgate::policies::limits
