// `match: {key_id, user, team, tag}` in a stage's `overrides:`: which callers a setting
// applies to. Shared by the stages that have per-caller overrides (sanitize, pii, later geo).
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"

namespace tollgate::policies {

// All of a match's fields that are given must equal the caller's.
struct PrincipalMatch {
  std::string key_id, user, team, tag;
  bool matches(const core::Principal* principal) const;
};

// Reads `item.match` (at least one field); `key` names it in errors ("pii.overrides[0].match").
PrincipalMatch read_principal_match(const core::ConfigReader& r, const YAML::Node& item,
                                    const std::string& key);

}  // namespace tollgate::policies
