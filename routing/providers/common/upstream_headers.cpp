// RFC 9110 §7.6.1 hop-by-hop fields, plus any named by Connection, plus credentials
// (Authorization, api-key, x-api-key) and fields the transport owns.
#include "routing/providers/common/upstream_headers.h"

#include <array>
#include <string_view>

namespace tollgate::routing::providers {

namespace {

constexpr std::array<std::string_view, 16> kDropped = {
    "authorization",  "api-key",           "x-api-key",        "proxy-authorization",
    "connection",     "keep-alive",        "proxy-connection", "te",
    "trailer",        "transfer-encoding", "upgrade",          "host",
    "content-length", "content-encoding",  "accept-encoding",  "expect",
};

bool named_by_connection(std::string_view name, std::string_view connection) {
  while (!connection.empty()) {
    std::size_t comma = connection.find(',');
    std::string_view token = connection.substr(0, comma);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (core::iequals(token, name)) return true;
    if (comma == std::string_view::npos) break;
    connection.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

core::Headers forwardable_request_headers(const core::Headers& client_headers) {
  core::Headers out;
  std::string_view connection = client_headers.get("connection");
  for (const auto& field : client_headers) {
    bool drop = false;
    for (auto name : kDropped) {
      if (core::iequals(field.name, name)) {
        drop = true;
        break;
      }
    }
    if (!drop && !connection.empty() && named_by_connection(field.name, connection)) drop = true;
    if (!drop) out.add(field.name, field.value);
  }
  return out;
}

}  // namespace tollgate::routing::providers
