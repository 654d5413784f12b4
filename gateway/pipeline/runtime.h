// Everything built from one config snapshot: its stages in order and one provider
// object per configured provider. Immutable and shared by all workers; a reload builds
// a new Runtime and swaps it in per worker, while requests in flight keep the old one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/provider_registry.h"
#include "gateway/core/services.h"
#include "routing/router.h"

namespace tollgate::gateway::pipeline {

class ResponseRouteStore;

struct Runtime {
  core::ConfigPtr config;
  std::vector<std::unique_ptr<core::Stage>> stages;
  routing::ProviderMap providers;  // by name
  std::unique_ptr<routing::Router> router;
  std::string models_list_body;  // GET /v1/models, built once
  // Where each Responses API id was made (response_routes.h); null: in-process only.
  std::shared_ptr<ResponseRouteStore> response_route_store;

  core::Provider* provider(const std::string& name) const;
};

using RuntimePtr = std::shared_ptr<const Runtime>;

// Reads each stage's sections and builds the stages of `config`'s pipeline from them and
// the modules' `services`. Throws core::ConfigError on a bad section, std::runtime_error
// naming the provider when its kind is unknown.
// `previous`: the runtime a reload replaces (its targets' breakers and latency carry over).
RuntimePtr build_runtime(core::ConfigPtr config, const core::ProviderRegistry& providers,
                         const core::ModuleRegistry& modules,
                         const core::Services& services = core::Services(),
                         const Runtime* previous = nullptr);

// The body of GET /v1/models for `config` (OpenAI's ListModelsResponse), with the models
// `include` accepts (all when absent).
std::string models_list_json(
    const core::Config& config,
    const std::function<bool(const core::ModelConfig&)>& include = nullptr);
// One Model object, for GET /v1/models/{id}.
std::string model_json(const core::ModelConfig& model);

}  // namespace tollgate::gateway::pipeline
