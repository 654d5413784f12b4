// The Google Gemini dialect (generativelanguage.googleapis.com): OpenAI chat completions
// translated both ways, whole and streamed (gemini_translate.h), with the
// `x-goog-api-key` header; embeddings through :batchEmbedContents. Other operations get a
// clear 400.
#pragma once

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

// kind: gemini (no keys of its own; base_url required).
core::ProviderKind gemini_provider_kind();

}  // namespace tollgate::routing::providers
