// The Google Gemini dialect (generativelanguage.googleapis.com): OpenAI chat completions
// translated both ways, whole and streamed (gemini_translate.h), with the
// `x-goog-api-key` header; embeddings through :batchEmbedContents. Other operations get a
// clear 400.
#pragma once

#include <memory>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

std::unique_ptr<core::Provider> make_gemini_provider(const core::ProviderConfig& config);

}  // namespace tollgate::routing::providers
