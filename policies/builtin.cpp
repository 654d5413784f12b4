// One line per stage: adding a policy is a folder and a line here.
#include "policies/builtin.h"

#include "policies/admin/admin_api.h"
#include "policies/auth/auth_stage.h"
#include "policies/auth/key_store.h"
#include "policies/limits/counter_store.h"
#include "policies/limits/limits_stage.h"

namespace tollgate::policies {

BuiltinPolicies::BuiltinPolicies(const core::Config& config)
    : state_(std::make_unique<state::StateServices>(state::read_state_config(config))),
      keys_(auth::make_key_store(*state_)),
      counters_(limits::make_counter_store(*state_)),
      admin_api_(std::make_unique<admin::AdminApi>(*keys_, *counters_)) {}

BuiltinPolicies::~BuiltinPolicies() = default;

void BuiltinPolicies::register_stages(core::StageRegistry& registry) {
  registry.add("auth", auth::auth_stage_factory(*keys_));
  registry.add("limits", limits::limits_stage_factory(*counters_));
}

std::vector<core::AdminEndpoint*> BuiltinPolicies::admin_endpoints() {
  return {admin_api_.get()};
}

void BuiltinPolicies::flush() {
  counters_->flush();
}

std::vector<std::string> BuiltinPolicies::config_sections() {
  return {"keys", "users", "teams", "limits", "state"};
}

}  // namespace tollgate::policies
