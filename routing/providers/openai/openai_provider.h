// The OpenAI-compatible dialect: OpenAI itself, and the many servers that copy its API
// (vLLM, Ollama, LM Studio, OpenRouter, Groq...). The body goes through byte for byte
// but for the model name; streams are relayed event by event.
#pragma once

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

// kind: openai (no keys of its own; base_url required).
core::ProviderKind openai_provider_kind();

}  // namespace tollgate::routing::providers
