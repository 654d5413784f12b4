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

// RFC 9110 §7.6.1: a field named by Connection is hop-by-hop, configured or not.
bool named_by_connection(std::string_view name, std::string_view connection) {
  while (!connection.empty()) {
    std::size_t comma = connection.find(',');
    std::string_view token = connection.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (core::iequals(token, name)) return true;
    if (comma == std::string_view::npos) break;
    connection.remove_prefix(comma + 1);
  }
  return false;
}

// A client may send up to 64 KiB of head; what it passes on is kept far below what
// providers accept (8-16 KiB is common), so it can never make a provider fail for
// everyone by padding an allowed field (user-agent) until the provider refuses the head.
constexpr std::size_t kMaxForwardedField = 2048;
constexpr std::size_t kMaxForwardedTotal = 8192;

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
  std::string_view connection = client_headers.get("connection");
  std::size_t total = 0;
  for (const auto& field : client_headers) {
    bool allowed = named_in(field.name, kAlwaysForwarded) ||
                   named_in(field.name, dialect_headers) ||
                   configured(field.name, provider.forward_headers);
    if (!allowed || (!connection.empty() && named_by_connection(field.name, connection))) {
      continue;
    }
    std::size_t size = field.name.size() + field.value.size();
    if (size > kMaxForwardedField || total + size > kMaxForwardedTotal) continue;
    total += size;
    out.add(field.name, field.value);
  }
  return out;
}

void add_gateway_headers(core::Headers& headers, const core::ProviderConfig& provider,
                         std::string_view request_id) {
  for (const auto& field : provider.headers) headers.set(field.name, field.value);
  headers.set("x-request-id", request_id);
}

}  // namespace tollgate::routing::providers
