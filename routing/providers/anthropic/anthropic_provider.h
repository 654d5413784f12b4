// The Anthropic Messages API dialect (POST {base_url}/v1/messages, `x-api-key` and
// `anthropic-version` headers): OpenAI chat completions translated both ways, whole and
// streamed (anthropic_request.h, anthropic_response.h, anthropic_stream.h). Other
// operations get a clear 400.
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/provider_registry.h"

namespace tollgate::routing::providers {

namespace anthropic {
inline constexpr std::string_view kDefaultApiVersion = "2023-06-01";
}  // namespace anthropic

struct AnthropicSettings : core::ProviderSettings {
  std::string api_version{anthropic::kDefaultApiVersion};  // the anthropic-version header
};

// kind: anthropic, with an optional `api_version`.
core::ProviderKind anthropic_provider_kind();

}  // namespace tollgate::routing::providers
