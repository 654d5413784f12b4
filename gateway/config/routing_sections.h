// Internal to gateway/config: the routing sections — models (targets, strategy, fallback
// chain, timeout, retries), circuit_breaker, routes and pricing — and the checks that
// tie them together (every fallback and route names a model).
#pragma once

#include <string>

#include "gateway/config/yaml_reader.h"

namespace tollgate::gateway::config {

core::ModelConfig read_model(const Reader& r, const YAML::Node& node, const std::string& key);
core::BreakerConfig read_breaker(const Reader& r, const YAML::Node& node, const std::string& key);
void read_routes(const Reader& r, const YAML::Node& list, core::Config& config);
void read_pricing(const Reader& r, const YAML::Node& node, core::Config& config);
// After every section is read: names that must exist do.
void check_routing_references(const core::Config& config);

}  // namespace tollgate::gateway::config
