// Picks where a request goes: the configured model it names, then a target of that
// model. Strategies, fallback chains and circuit breakers grow here (issue 6); the
// pipeline only asks for the next target to try.
#pragma once

#include <string_view>

#include "gateway/core/config.h"

namespace tollgate::routing {

struct RouteChoice {
  const core::ModelConfig* model = nullptr;
  const core::TargetConfig* target = nullptr;
  const core::ProviderConfig* provider = nullptr;
};

// Empty choice (model == nullptr) when the model is not configured.
RouteChoice choose_route(const core::Config& config, std::string_view model_name);

}  // namespace tollgate::routing
