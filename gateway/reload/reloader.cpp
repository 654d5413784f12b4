#include "gateway/reload/reloader.h"

#include "gateway/core/config_reader.h"
#include "gateway/core/log.h"
#include "gateway/core/reload_events.h"
#include "gateway/embedded_config.h"

namespace tollgate::gateway::reload {

namespace {

// A section as written (after ${VAR} expansion), without the keys a reload may change,
// for comparing two configs.
std::string text_of(const core::Config& config, const std::string& section,
                    const std::vector<std::string>& changeable = {}) {
  const YAML::Node node = config.root[section];
  if (!node) return "";
  if (changeable.empty() || !node.IsMap()) return YAML::Dump(node);
  YAML::Node copy = YAML::Clone(node);
  for (const auto& key : changeable) copy.remove(key);
  return YAML::Dump(copy);
}

}  // namespace

std::string restart_needed(const core::Config& running, const core::Config& next,
                           const core::ModuleRegistry& registry) {
  // Stage sections are per snapshot: only the modules' sections stay with the process.
  for (const auto& module : registry.modules()) {
    for (const auto& section : module.sections) {
      if (section.reloadable) continue;
      if (text_of(running, section.name, section.reloadable_keys) !=
          text_of(next, section.name, section.reloadable_keys)) {
        return "`" + section.name + ":` changed, which takes a restart";
      }
    }
  }
  // server.cors is read per snapshot (the handler takes it from the request's config).
  if (text_of(running, "server", {"cors"}) != text_of(next, "server", {"cors"})) {
    return "`server:` changed (listen addresses, threads, timeouts, the admin listener), which "
           "takes a restart";
  }
  return "";
}

Reloader::Reloader(Parts parts) : parts_(std::move(parts)) {
  loaded_ = {parts_.runtimes->current()->config, std::chrono::system_clock::now()};
}

LoadedConfig Reloader::loaded() const {
  std::lock_guard lock(loaded_mutex_);
  return loaded_;
}

core::ConfigPtr Reloader::load() const {
  if (parts_.path) return config::load_config_file(*parts_.path, parts_.options);
  return config::load_config_text(embedded_default_config(), "<embedded conf/tollgate.yaml>",
                                  parts_.options);
}

ReloadOutcome Reloader::reload(const std::string& trigger) {
  std::lock_guard lock(reloading_);
  ReloadOutcome outcome;
  pipeline::RuntimePtr running = parts_.runtimes->current();
  try {
    core::ConfigPtr next = load();
    if (std::string why = restart_needed(*running->config, *next, *parts_.registry); !why.empty()) {
      throw std::runtime_error(why + "; the running configuration stays in force");
    }
    // Every module section is read again (as --check does), so a bad one refuses the
    // reload before anything is built.
    core::ConfigReader reader(*next);
    for (const auto& module : parts_.registry->modules()) module.read(reader, *next);
    pipeline::RuntimePtr built = pipeline::build_runtime(next, *parts_.providers, *parts_.registry,
                                                         *parts_.services, running.get());
    for (const auto& module : *parts_.modules) module->reconfigure(reader, *next);
    parts_.runtimes->publish(built);
    if (parts_.on_swap) parts_.on_swap(built);
    {
      std::lock_guard loaded_lock(loaded_mutex_);
      loaded_ = {next, std::chrono::system_clock::now()};
    }
    outcome.ok = true;
    outcome.message = "configuration reloaded (" + trigger +
                      "): " + std::to_string(next->providers.size()) + " provider(s), " +
                      std::to_string(next->models.size()) + " model(s), " +
                      std::to_string(next->files.size()) + " file(s)";
    core::log_info(outcome.message);
  } catch (const std::exception& e) {
    outcome.message = std::string("configuration reload refused (") + trigger + "): " + e.what();
    core::log_error(outcome.message);
  }
  if (auto* events = parts_.services->find<core::ReloadEvents>()) events->reloaded(outcome.ok);
  return outcome;
}

}  // namespace tollgate::gateway::reload
