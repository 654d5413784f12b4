// A config from YAML text for tests, read as the binary reads it (every built-in provider
// kind, every registered stage and module section).
#pragma once

#include <string>

#include "gateway/config/config_loader.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/provider_registry.h"
#include "routing/providers/builtin.h"

namespace tollgate::testing {

inline const core::ProviderRegistry& builtin_providers() {
  static const core::ProviderRegistry providers = [] {
    core::ProviderRegistry registry;
    routing::providers::register_builtin_providers(registry);
    return registry;
  }();
  return providers;
}

inline core::ConfigPtr config_of(const std::string& yaml, const std::string& file = "test.yaml") {
  gateway::config::LoadOptions options;
  options.providers = &builtin_providers();
  options.modules = &core::module_registry();
  return gateway::config::load_config_text(yaml, file, options);
}

}  // namespace tollgate::testing
