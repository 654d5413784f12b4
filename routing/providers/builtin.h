// The provider kinds this build knows. Adding a dialect: one folder under providers/
// and one line in builtin.cpp.
#pragma once

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

void register_builtin_providers(core::ProviderRegistry& registry);

}  // namespace tollgate::routing::providers
