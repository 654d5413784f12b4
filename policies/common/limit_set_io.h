// LimitSet from a config section (`limits: {rpm: 600, ...}`) and to/from JSON (keys
// made through the admin API keep theirs as JSON). One list of field names for both.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>
#include <boost/json/fwd.hpp>

#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"

namespace tollgate::policies {

// Throws core::ConfigError on an unknown field or a value that is not a positive number.
core::LimitSet read_limit_set(const core::ConfigReader& r, const YAML::Node& node,
                              const std::string& key);

std::string limit_set_json(const core::LimitSet& limits);
// Throws std::invalid_argument naming the bad field.
core::LimitSet limit_set_from_json(const boost::json::value& value);

}  // namespace tollgate::policies
