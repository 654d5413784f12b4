#include "policies/limits/limits_config.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "gateway/core/config_reader.h"
#include "policies/common/limit_set_io.h"

namespace tollgate::policies::limits {

namespace {

// Past this a cost is not a price but an overflow: 10^18 nano-dollars is a billion USD.
constexpr double kMaxCostNusd = 1e18;

void read_named_limits(const core::ConfigReader& r, const YAML::Node& list, const char* section,
                       std::map<std::string, core::LimitSet, std::less<>>& out) {
  r.each(list, section, [&](const YAML::Node& entry, const std::string& key) {
    r.require_map(entry, key);  // its keys: the limits stage's registration
    std::string name = r.required_string(entry, "name", key);
    if (out.contains(name)) r.fail(entry["name"], key + ".name", "duplicate name '" + name + "'");
    out.emplace(std::move(name), read_limit_set(r, entry["limits"], key + ".limits"));
  });
}

std::int64_t price_nusd(const core::Price& price, std::int64_t prompt_tokens,
                        std::int64_t completion_tokens) {
  // A price of P USD per million tokens is P × 1000 nano-USD per token.
  double nusd = static_cast<double>(prompt_tokens) * price.input_per_million * 1000.0 +
                static_cast<double>(completion_tokens) * price.output_per_million * 1000.0;
  return static_cast<std::int64_t>(std::llround(std::clamp(nusd, 0.0, kMaxCostNusd)));
}

// The prices of every model that may answer for `name`: its own name in `pricing`, its
// targets', and those of its fallbacks, theirs, and so on.
std::vector<core::Price> reachable_prices(const core::Config& config, const std::string& name) {
  std::vector<core::Price> prices;
  std::set<std::string> seen;
  std::vector<std::string> todo{name};
  while (!todo.empty()) {
    std::string model = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(model).second) continue;
    if (auto it = config.pricing.find(model); it != config.pricing.end()) {
      prices.push_back(it->second);
    }
    const core::ModelConfig* m = config.find_model(model);
    if (m == nullptr) continue;
    for (const auto& target : m->targets) {
      if (auto it = config.pricing.find(target.model); it != config.pricing.end()) {
        prices.push_back(it->second);
      }
    }
    todo.insert(todo.end(), m->fallbacks.begin(), m->fallbacks.end());
  }
  return prices;
}

std::int64_t highest(const std::vector<core::Price>& prices, std::int64_t prompt_tokens,
                     std::int64_t completion_tokens) {
  std::int64_t most = 0;
  for (const auto& price : prices) {
    most = std::max(most, price_nusd(price, prompt_tokens, completion_tokens));
  }
  return most;
}

}  // namespace

std::int64_t LimitsConfig::cost_nusd(std::string_view model, std::int64_t prompt_tokens,
                                     std::int64_t completion_tokens) const {
  auto it = pricing.find(model);
  if (it == pricing.end()) return 0;
  return price_nusd(it->second, prompt_tokens, completion_tokens);
}

std::int64_t LimitsConfig::max_cost_nusd(std::string_view requested, std::int64_t prompt_tokens,
                                         std::int64_t completion_tokens) const {
  std::int64_t most = 0;
  if (auto it = serving_prices.find(requested); it != serving_prices.end()) {
    most = highest(it->second, prompt_tokens, completion_tokens);
  } else {
    most = cost_nusd(requested, prompt_tokens, completion_tokens);
  }
  // A rule's other conditions (team, headers, prompt size) are not checked here: any rule
  // that may apply to this model counts, which can only reserve more.
  std::string name(requested);
  for (const auto& [glob, prices] : rule_prices) {
    if (!glob.empty() && fnmatch(glob.c_str(), name.c_str(), 0) != 0) continue;
    most = std::max(most, highest(prices, prompt_tokens, completion_tokens));
  }
  return most;
}

LimitsConfig read_limits_config(const core::Config& config) {
  LimitsConfig out;
  core::ConfigReader r(config);
  read_named_limits(r, config.root["users"], "users", out.users);
  read_named_limits(r, config.root["teams"], "teams", out.teams);
  if (const YAML::Node section = config.root["limits"]; r.has(section)) {
    r.require_map(section, "limits");
    if (const YAML::Node tokens = section["default_completion_tokens"]; r.has(tokens)) {
      out.default_completion_tokens = static_cast<std::int64_t>(
          r.unsigned_of(tokens, "limits.default_completion_tokens", 0, 10'000'000));
    }
  }
  out.pricing = config.pricing;
  for (const auto& model : config.models) {
    out.serving_prices.emplace(model.name, reachable_prices(config, model.name));
  }
  for (const auto& rule : config.routes) {
    out.rule_prices.emplace_back(rule.model, reachable_prices(config, rule.to));
  }
  return out;
}

}  // namespace tollgate::policies::limits
