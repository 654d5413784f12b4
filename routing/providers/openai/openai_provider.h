// The OpenAI-compatible dialect: OpenAI itself, and the many servers that copy its API
// (vLLM, Ollama, LM Studio, OpenRouter, Groq...). The body goes through byte for byte
// but for the model name; streams are relayed event by event.
#pragma once

#include <memory>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

std::unique_ptr<core::Provider> make_openai_provider(const core::ProviderConfig& config);

// Maps a provider's non-2xx status and body to a failure class (shared with dialects
// that return OpenAI-shaped errors).
core::FailureClass classify_openai_error(int status, std::string_view body);

}  // namespace tollgate::routing::providers
