// The built-in `demo` provider: answers without network or key, so a first curl shows
// the whole path working. Chat and completions get a reply built from the prompt (word
// by word when streamed), embeddings get deterministic vectors.
#pragma once

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

// kind: demo (no keys of its own, no base_url).
core::ProviderKind demo_provider_kind();

}  // namespace tollgate::routing::providers
