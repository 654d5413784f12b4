// Lookups on the loaded configuration.
#include "gateway/core/config.h"

namespace tollgate::core {

const ProviderConfig* Config::find_provider(std::string_view name) const {
  for (const auto& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const ModelConfig* Config::find_model(std::string_view name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace tollgate::core
