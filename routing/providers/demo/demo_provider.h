// The built-in `demo` provider: answers without network or key, so a first curl shows
// the whole path working. Chat and completions get a reply built from the prompt (word
// by word when streamed), embeddings get deterministic vectors.
#pragma once

#include <memory>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

std::unique_ptr<core::Provider> make_demo_provider(const core::ProviderConfig& config);

}  // namespace tollgate::routing::providers
