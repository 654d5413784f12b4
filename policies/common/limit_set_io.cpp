#include "policies/common/limit_set_io.h"

#include <limits>
#include <stdexcept>

#include <boost/json.hpp>

namespace tollgate::policies {

namespace {

constexpr std::int64_t kMaxCount = std::int64_t{1} << 50;

// The integer-valued limits, by name: one table for YAML and JSON.
struct CountField {
  const char* name;
  std::optional<std::int64_t> core::LimitSet::*member;
};
constexpr CountField kCountFields[] = {
    {"rpm", &core::LimitSet::rpm},
    {"tpm", &core::LimitSet::tpm},
    {"max_parallel", &core::LimitSet::max_parallel},
    {"tokens_per_day", &core::LimitSet::tokens_per_day},
};
constexpr const char* kBudgetField = "budget_usd_per_month";

}  // namespace

core::LimitSet read_limit_set(const core::ConfigReader& r, const YAML::Node& node,
                              const std::string& key) {
  core::LimitSet limits;
  if (!r.has(node)) return limits;
  r.require_map(node, key);
  r.check_keys(node, key, {"rpm", "tpm", "max_parallel", "tokens_per_day", kBudgetField});
  for (const auto& field : kCountFields) {
    const YAML::Node value = node[field.name];
    if (!r.has(value)) continue;
    limits.*field.member = static_cast<std::int64_t>(
        r.unsigned_of(value, core::join_key(key, field.name), 1, kMaxCount));
  }
  if (const YAML::Node budget = node[kBudgetField]; r.has(budget)) {
    std::string budget_key = core::join_key(key, kBudgetField);
    double usd = 0;
    try {
      usd = budget.as<double>();
    } catch (const YAML::Exception&) {
      r.fail(budget, budget_key, "must be a number of US dollars");
    }
    if (!(usd > 0) || usd > 1e9) r.fail(budget, budget_key, "must be above 0 and at most 1e9");
    limits.budget_usd_per_month = usd;
  }
  return limits;
}

std::string limit_set_json(const core::LimitSet& limits) {
  boost::json::object out;
  for (const auto& field : kCountFields) {
    if (const auto& value = limits.*field.member) out[field.name] = *value;
  }
  if (limits.budget_usd_per_month) out[kBudgetField] = *limits.budget_usd_per_month;
  return boost::json::serialize(out);
}

core::LimitSet limit_set_from_json(const boost::json::value& value) {
  core::LimitSet limits;
  if (value.is_null()) return limits;
  if (!value.is_object()) throw std::invalid_argument("limits must be an object");
  for (const auto& [name, item] : value.as_object()) {
    bool known = false;
    for (const auto& field : kCountFields) {
      if (name != field.name) continue;
      known = true;
      if (!item.is_int64() && !item.is_uint64()) {
        throw std::invalid_argument(std::string("limits.") + field.name +
                                    " must be a positive integer");
      }
      std::int64_t n =
          item.is_int64()
              ? item.as_int64()
              : static_cast<std::int64_t>(std::min<std::uint64_t>(item.as_uint64(), kMaxCount + 1));
      if (n < 1 || n > kMaxCount) {
        throw std::invalid_argument(std::string("limits.") + field.name +
                                    " must be a positive integer");
      }
      limits.*field.member = n;
    }
    if (name == kBudgetField) {
      known = true;
      if (!item.is_number() || !(item.to_number<double>() > 0) || item.to_number<double>() > 1e9) {
        throw std::invalid_argument(
            "limits.budget_usd_per_month must be a number above 0 and at most 1e9");
      }
      limits.budget_usd_per_month = item.to_number<double>();
    }
    if (!known) throw std::invalid_argument("limits: unknown field '" + std::string(name) + "'");
  }
  return limits;
}

}  // namespace tollgate::policies
