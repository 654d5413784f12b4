// First-target routing; targets stay a list so that strategies slot in later.
#include "routing/router.h"

namespace tollgate::routing {

RouteChoice choose_route(const core::Config& config, std::string_view model_name) {
  RouteChoice choice;
  choice.model = config.find_model(model_name);
  if (choice.model == nullptr || choice.model->targets.empty()) return {};
  choice.target = &choice.model->targets.front();
  choice.provider = config.find_provider(choice.target->provider);
  return choice;
}

}  // namespace tollgate::routing
