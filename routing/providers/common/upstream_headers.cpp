// The allow-list of client headers a provider receives. Names are compared without
// regard to case; a configured name ending in '*' matches by prefix ("x-trace-*").
// Credentials and hop-by-hop fields are refused by the config loader even when listed
// (gateway/config/config_loader.cpp), so nothing here needs a block-list.
#include "routing/providers/common/upstream_headers.h"

#include <array>

namespace tollgate::routing::providers {

namespace {

// Every dialect: content negotiation, W3C trace context (the observe stage has already
// replaced traceparent with the gateway's own span), idempotency, the client's name.
constexpr std::array<std::string_view, 6> kAlwaysForwarded = {
    "accept", "accept-language", "user-agent", "traceparent", "tracestate", "idempotency-key",
};

bool named_in(std::string_view name, std::span<const std::string_view> names) {
  for (std::string_view allowed : names) {
    if (core::iequals(name, allowed)) return true;
  }
  return false;
}

bool configured(std::string_view name, const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    if (pattern.ends_with('*')) {
      std::string_view prefix(pattern.data(), pattern.size() - 1);
      if (name.size() >= prefix.size() && core::iequals(name.substr(0, prefix.size()), prefix)) {
        return true;
      }
    } else if (core::iequals(name, pattern)) {
      return true;
    }
  }
  return false;
}

}  // namespace

core::Headers forwardable_request_headers(const core::Headers& client_headers,
                                          const core::ProviderConfig& provider,
                                          std::span<const std::string_view> dialect_headers) {
  core::Headers out;
  for (const auto& field : client_headers) {
    if (named_in(field.name, kAlwaysForwarded) || named_in(field.name, dialect_headers) ||
        configured(field.name, provider.forward_headers)) {
      out.add(field.name, field.value);
    }
  }
  return out;
}

}  // namespace tollgate::routing::providers
