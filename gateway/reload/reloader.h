// Hot reload (docs/operations.md, "Reload"): re-reads the configuration (SIGHUP, POST
// /admin/reload), checks it as `--check` does, refuses what takes a restart (listen
// addresses, threads, state backends: the `server:` section but its `cors`, `state:`, and
// every other module section not marked reloadable), builds a new Runtime from it — the targets
// that are still there keep their breakers, the modules keep their stores (limit counters, usage,
// keys made through the API, the audit chain), each worker keeps its upstream pools — and swaps it
// in on every worker. Requests in flight finish on the runtime they started with. A refused reload
// changes nothing; the old configuration keeps serving.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/config_loader.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/provider_registry.h"
#include "gateway/core/services.h"
#include "gateway/pipeline/runtime_switch.h"

namespace tollgate::gateway::reload {

struct ReloadOutcome {
  bool ok = false;
  std::string message;  // what was applied, or why nothing was
};

// The configuration serving now, and since when.
struct LoadedConfig {
  core::ConfigPtr config;
  std::chrono::system_clock::time_point loaded_at;
};

class Reloader {
 public:
  struct Parts {
    std::optional<std::string> path;  // nullopt: the embedded default config
    config::LoadOptions options;
    const core::ProviderRegistry* providers = nullptr;
    const core::ModuleRegistry* registry = nullptr;
    const core::Services* services = nullptr;
    const std::vector<std::unique_ptr<core::Module>>* modules = nullptr;
    pipeline::RuntimeSwitch* runtimes = nullptr;
    // Told of each runtime swapped in (the breakers /metrics shows).
    std::function<void(const pipeline::RuntimePtr&)> on_swap;
  };

  explicit Reloader(Parts parts);

  // Safe from any thread; reloads run one at a time. `trigger` is for the log line.
  ReloadOutcome reload(const std::string& trigger);
  LoadedConfig loaded() const;

 private:
  core::ConfigPtr load() const;

  Parts parts_;
  std::mutex reloading_;
  mutable std::mutex loaded_mutex_;
  LoadedConfig loaded_;
};

// Why `next` cannot replace `running` without a restart, or empty when it can.
std::string restart_needed(const core::Config& running, const core::Config& next,
                           const core::ModuleRegistry& registry);

}  // namespace tollgate::gateway::reload
