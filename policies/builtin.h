// The policies this build ships, and what they share across config reloads: the state
// (SQLite, Redis), the admin-made keys and the counters. main() makes one, registers its
// stages, and hands its admin endpoints to the admin listener.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/admin_endpoint.h"
#include "gateway/core/registry.h"
#include "state/state_services.h"

namespace tollgate::policies {

namespace auth {
class KeyStore;
}
namespace limits {
class CounterStore;
}

class BuiltinPolicies {
 public:
  // Opens the state the `state:` section names. Throws on a bad section or an unusable
  // SQLite file.
  explicit BuiltinPolicies(const core::Config& config);
  ~BuiltinPolicies();

  // Adds every stage in its default pipeline order (auth before limits, ...).
  void register_stages(core::StageRegistry& registry);
  std::vector<core::AdminEndpoint*> admin_endpoints();
  // The shared state, for what main wires beside the stages (metrics, /readyz).
  state::StateServices& state() { return *state_; }
  // Writes out pending usage (shutdown).
  void flush();

  // Top-level config sections the stages own, for the config loader.
  static std::vector<std::string> config_sections();

 private:
  std::unique_ptr<state::StateServices> state_;
  std::unique_ptr<auth::KeyStore> keys_;
  std::unique_ptr<limits::CounterStore> counters_;
  std::unique_ptr<core::AdminEndpoint> admin_api_;
};

}  // namespace tollgate::policies
