#include "observability/tracing/trace_context.h"

namespace tollgate::observability {

namespace {

bool lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2) = 55 characters.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (version != "00" && h.size() > 55 && h[55] != '-') return std::nullopt;
  TraceParent out{std::string(h.substr(3, 32)), std::string(h.substr(36, 16)),
                  std::string(h.substr(53, 2))};
  if (!lower_hex(out.trace_id) || !lower_hex(out.parent_id) || !lower_hex(out.flags)) {
    return std::nullopt;
  }
  if (all_zero(out.trace_id) || all_zero(out.parent_id)) return std::nullopt;
  return out;
}

std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::string_view flags) {
  std::string out = "00-";
  out += trace_id;
  out += '-';
  out += span_id;
  out += '-';
  out += flags;
  return out;
}

}  // namespace tollgate::observability
