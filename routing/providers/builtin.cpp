// One registration line per dialect.
#include "routing/providers/builtin.h"

#include "routing/providers/anthropic/anthropic_provider.h"
#include "routing/providers/azure/azure_provider.h"
#include "routing/providers/demo/demo_provider.h"
#include "routing/providers/gemini/gemini_provider.h"
#include "routing/providers/openai/openai_provider.h"

namespace tollgate::routing::providers {

void register_builtin_providers(core::ProviderRegistry& registry) {
  registry.add("openai", make_openai_provider);
  registry.add("demo", make_demo_provider);
  registry.add("anthropic", make_anthropic_provider);
  registry.add("azure", make_azure_provider);
  registry.add("gemini", make_gemini_provider);
}

}  // namespace tollgate::routing::providers
