// Builds the per-config objects once, so the request path only looks them up.
#include "gateway/pipeline/runtime.h"

#include <stdexcept>

#include "gateway/config/config_loader.h"
#include "gateway/core/errors.h"
#include "gateway/pipeline/response_route_store.h"
#include "state/state_services.h"

namespace tollgate::gateway::pipeline {

core::Provider* Runtime::provider(const std::string& name) const {
  auto it = providers.find(name);
  return it == providers.end() ? nullptr : it->second.get();
}

std::string model_json(const core::ModelConfig& model) {
  std::string out = R"({"id":)";
  core::append_json_string(out, model.name);
  out += R"(,"object":"model","created":0,"owned_by":"tollgate"})";
  return out;
}

std::string models_list_json(const core::Config& config,
                             const std::function<bool(const core::ModelConfig&)>& include) {
  std::string out = R"({"object":"list","data":[)";
  bool first = true;
  for (const auto& model : config.models) {
    if (include && !include(model)) continue;
    if (!first) out.push_back(',');
    first = false;
    out += model_json(model);
  }
  out += "]}";
  return out;
}

RuntimePtr build_runtime(core::ConfigPtr config, const core::ProviderRegistry& providers,
                         const core::ModuleRegistry& modules, const core::Services& services,
                         const Runtime* previous) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = config;
  for (const auto& p : config->providers) {
    const core::ProviderFactory* factory = providers.find(p.kind);
    if (factory == nullptr) {
      throw std::runtime_error("provider '" + p.name + "': unknown kind '" + p.kind + "'");
    }
    runtime->providers.emplace(p.name, (*factory)(p));
  }
  // Every stage's sections are read before any stage is built: a bad one refuses the
  // snapshot before anything was made from it.
  core::ConfigReader reader(*config);
  std::vector<core::StageBuilder> builders;
  for (const auto& name : config::read_pipeline(reader, config->root, modules)) {
    builders.push_back(modules.find_stage(name)->read(reader, *config));
  }
  for (const auto& build : builders) {
    if (auto stage = build(services)) runtime->stages.push_back(std::move(stage));
  }
  runtime->router = std::make_unique<routing::Router>(
      *config, previous != nullptr ? previous->router.get() : nullptr);
  runtime->models_list_body = models_list_json(*config);
  runtime->response_route_store =
      std::make_shared<ResponseRouteStore>(services.find<state::StateServices>());
  return runtime;
}

}  // namespace tollgate::gateway::pipeline
