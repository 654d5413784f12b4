// One registration line per dialect.
#include "routing/providers/builtin.h"

#include "routing/providers/demo/demo_provider.h"
#include "routing/providers/openai/openai_provider.h"

namespace tollgate::routing::providers {

void register_builtin_providers(core::ProviderRegistry& registry) {
  registry.add("openai", make_openai_provider);
  registry.add("demo", make_demo_provider);
}

}  // namespace tollgate::routing::providers
