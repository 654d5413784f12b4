// W3C Trace Context (traceparent): taken from the client when valid, started otherwise;
// the gateway's own span goes upstream as the parent of the provider's work.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::observability {

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex, not all zero
  std::string parent_id;  // 16 lowercase hex, not all zero
  std::string flags;      // 2 hex
};

// "00-<trace>-<parent>-<flags>" → parts; nullopt when malformed (then a new trace starts,
// as the spec says). Future versions are read by their version-00 prefix.
std::optional<TraceParent> parse_traceparent(std::string_view header);

std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::string_view flags);

}  // namespace tollgate::observability
