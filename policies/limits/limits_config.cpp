#include "policies/limits/limits_config.h"

#include <cmath>

#include "gateway/core/config_reader.h"
#include "policies/common/limit_set_io.h"

namespace tollgate::policies::limits {

namespace {

void read_named_limits(const core::ConfigReader& r, const YAML::Node& list, const char* section,
                       std::map<std::string, core::LimitSet, std::less<>>& out) {
  r.each(list, section, [&](const YAML::Node& entry, const std::string& key) {
    r.require_map(entry, key);
    r.check_keys(entry, key, {"name", "limits"});
    std::string name = r.required_string(entry, "name", key);
    if (out.contains(name)) r.fail(entry["name"], key + ".name", "duplicate name '" + name + "'");
    out.emplace(std::move(name), read_limit_set(r, entry["limits"], key + ".limits"));
  });
}

}  // namespace

std::int64_t LimitsConfig::cost_nusd(std::string_view model, std::int64_t prompt_tokens,
                                     std::int64_t completion_tokens) const {
  auto it = pricing.find(model);
  if (it == pricing.end()) return 0;
  // A price of P USD per million tokens is P × 1000 nano-USD per token.
  double nusd = static_cast<double>(prompt_tokens) * it->second.input_per_million * 1000.0 +
                static_cast<double>(completion_tokens) * it->second.output_per_million * 1000.0;
  return static_cast<std::int64_t>(std::llround(nusd));
}

LimitsConfig read_limits_config(const core::Config& config) {
  LimitsConfig out;
  core::ConfigReader r(config.source);
  read_named_limits(r, config.root["users"], "users", out.users);
  read_named_limits(r, config.root["teams"], "teams", out.teams);
  out.pricing = config.pricing;
  return out;
}

}  // namespace tollgate::policies::limits
