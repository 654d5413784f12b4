// The Anthropic Messages API dialect (POST {base_url}/v1/messages, `x-api-key` and
// `anthropic-version` headers): OpenAI chat completions translated both ways, whole and
// streamed (anthropic_request.h, anthropic_response.h, anthropic_stream.h). Other
// operations get a clear 400.
#pragma once

#include <memory>
#include <string>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

std::unique_ptr<core::Provider> make_anthropic_provider(const core::ProviderConfig& config);

namespace anthropic {

inline constexpr std::string_view kDefaultApiVersion = "2023-06-01";

// The provider's `api_version`, else kDefaultApiVersion.
std::string api_version(const core::ProviderConfig& config);

}  // namespace anthropic

}  // namespace tollgate::routing::providers
