// One registration line per provider kind: its name, config keys, settings reader and
// factory are declared in its own folder.
#include "routing/providers/builtin.h"

#include "routing/providers/anthropic/anthropic_provider.h"
#include "routing/providers/azure/azure_provider.h"
#include "routing/providers/demo/demo_provider.h"
#include "routing/providers/gemini/gemini_provider.h"
#include "routing/providers/openai/openai_provider.h"

namespace tollgate::routing::providers {

void register_builtin_providers(core::ProviderRegistry& registry) {
  registry.add(openai_provider_kind());
  registry.add(demo_provider_kind());
  registry.add(anthropic_provider_kind());
  registry.add(azure_provider_kind());
  registry.add(gemini_provider_kind());
}

}  // namespace tollgate::routing::providers
