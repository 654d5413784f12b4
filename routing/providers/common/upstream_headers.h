// Which client headers travel to a provider: an allow-list, never a block-list. A client
// must not choose which organization or project the gateway's key bills (OpenAI-
// Organization, OpenAI-Project), send the provider its cookies, or pad the upstream head
// until the provider fails. What passes: content negotiation, tracing, idempotency, the
// dialect's own version headers, and the names a provider's `forward_headers` adds.
#pragma once

#include <span>
#include <string_view>

#include "gateway/core/config.h"
#include "gateway/core/headers.h"

namespace tollgate::routing::providers {

// Version and feature headers of the OpenAI dialect (OpenAI, Azure OpenAI).
inline constexpr std::string_view kOpenAiDialectHeaders[] = {"openai-beta"};
// Anthropic's.
inline constexpr std::string_view kAnthropicDialectHeaders[] = {"anthropic-version",
                                                                "anthropic-beta"};

core::Headers forwardable_request_headers(const core::Headers& client_headers,
                                          const core::ProviderConfig& provider,
                                          std::span<const std::string_view> dialect_headers = {});

// After the dialect's credentials: the provider's configured `headers`, then x-request-id.
void add_gateway_headers(core::Headers& headers, const core::ProviderConfig& provider,
                         std::string_view request_id);

}  // namespace tollgate::routing::providers
