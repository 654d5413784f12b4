// The limits stage's own sections: `users:` and `teams:` (limits shared by every key of a
// user or team) and `pricing:` (USD per million tokens by served model, for budgets).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "gateway/core/config.h"
#include "gateway/core/principal.h"

namespace tollgate::policies::limits {

struct Price {
  double input_per_million = 0;   // USD per million prompt tokens
  double output_per_million = 0;  // USD per million completion tokens
};

struct LimitsConfig {
  std::map<std::string, core::LimitSet, std::less<>> users;
  std::map<std::string, core::LimitSet, std::less<>> teams;
  std::map<std::string, Price, std::less<>> pricing;  // by model name (the one served)

  // Cost of a request in nano-USD; 0 for a model without a price.
  std::int64_t cost_nusd(std::string_view model, std::int64_t prompt_tokens,
                         std::int64_t completion_tokens) const;
};

// Throws core::ConfigError.
LimitsConfig read_limits_config(const core::Config& config);

}  // namespace tollgate::policies::limits
