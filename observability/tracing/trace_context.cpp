#include "observability/tracing/trace_context.h"

#include <cstdint>
#include <random>

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

std::string random_hex(std::size_t bytes) {
  std::string out(bytes * 2, '0');
  write_random_hex(out);
  return out;
}

}  // namespace

// Trace and span ids must be unique, not secret: a per-thread generator seeded from the
// OS serves them. RAND_bytes (a locked CSPRNG) cost 5% of a proxied request's CPU.
void write_random_hex(std::span<char> out) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % 16 == 0) bits = generator();  // 16 hex digits per draw
    out[i] = kHex[(bits >> (4 * (i % 16))) & 15];
  }
  // All zeros is the invalid id (W3C Trace Context): never hand it out.
  if (!out.empty() && all_zero(std::string_view(out.data(), out.size()))) out.back() = '1';
}

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

std::string new_trace_id() {
  return random_hex(16);
}
std::string new_span_id() {
  return random_hex(8);
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
