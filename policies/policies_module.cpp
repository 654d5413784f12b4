// The policies' process-lifetime part: the admin-made keys and the counters, over the
// state module's SQLite file and Redis, shared by the auth and limits stages of every
// config snapshot; and the admin API (/admin/keys, /admin/usage) over them.
#include "gateway/core/module_registry.h"
#include "policies/admin/admin_api.h"
#include "policies/auth/key_store.h"
#include "policies/limits/counter_store.h"
#include "state/state_services.h"

namespace tollgate::policies {

namespace {

class PoliciesModule final : public core::Module {
 public:
  explicit PoliciesModule(core::Services& services)
      : keys_(auth::make_key_store(services.get<state::StateServices>())),
        counters_(limits::make_counter_store(services.get<state::StateServices>())),
        admin_api_(*keys_, *counters_) {
    services.provide<auth::KeyStore>(*keys_);
    services.provide<limits::CounterStore>(*counters_);
  }

  std::vector<core::AdminEndpoint*> admin_endpoints() override { return {&admin_api_}; }
  // Writes out pending usage.
  void flush() override { counters_->flush(); }

 private:
  std::unique_ptr<auth::KeyStore> keys_;
  std::unique_ptr<limits::CounterStore> counters_;
  admin::AdminApi admin_api_;
};

// After the state module (0), which it builds on.
const core::Registration kRegistration{core::ModuleSpec<core::NoSettings>{
    .name = "policies",
    .position = 200,
    .make = [](const core::NoSettings&, core::Services& services) -> std::unique_ptr<core::Module> {
      return std::make_unique<PoliciesModule>(services);
    }}};

}  // namespace

}  // namespace tollgate::policies
