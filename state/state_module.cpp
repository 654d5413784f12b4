// The state's process-lifetime part: the SQLite file and the Redis clients the `state:`
// section names, made once and provided to the modules after it (policies); its part of
// /readyz; and the file's health, for /metrics.
#include "gateway/core/health_sources.h"
#include "gateway/core/module_registry.h"
#include "state/state_readiness.h"
#include "state/state_services.h"

namespace tollgate::state {

namespace {

class StateModule final : public core::Module, public core::StoreHealthSource {
 public:
  StateModule(const StateConfig& config, core::Services& services)
      : state_(config), readiness_(state_) {
    services.provide<StateServices>(state_);
    services.provide<core::StoreHealthSource>(*this);
  }

  std::vector<core::AdminEndpoint*> admin_endpoints() override { return {&readiness_}; }

  core::StoreWriteView store_health() const override {
    StoreHealth health = state_.sqlite_health();
    core::StoreWriteView out;
    for (std::size_t i = 0; i < kWriteFailureKinds; ++i) {
      out.write_errors.emplace_back(std::string(to_string(static_cast<WriteFailure>(i))),
                                    health.write_errors[i]);
    }
    out.writable = health.writable;
    out.unwritten_usage_rows = health.unwritten_usage_rows;
    out.dropped_usage_rows = health.dropped_usage_rows;
    return out;
  }

 private:
  StateServices state_;
  StateReadiness readiness_;
};

// First: the policies build on it.
const core::Registration kRegistration{core::ModuleSpec<StateConfig>{
    .name = "state",
    .position = 0,
    .sections = {{.name = "state",
                  .keys = {"sqlite", "redis", "redis_lease", "on_redis_error", "flush_interval",
                           "key_prefix", "fail_readiness_on_write_error"}}},
    .read = [](const core::ConfigReader&,
               const core::Config& config) { return read_state_config(config); },
    .make = [](const StateConfig& config,
               core::Services& services) -> std::unique_ptr<core::Module> {
      return std::make_unique<StateModule>(config, services);
    }}};

}  // namespace

}  // namespace tollgate::state
