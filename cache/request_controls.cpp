#include "cache/request_controls.h"

#include <charconv>

namespace tollgate::cache {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::int64_t kMaxTtl = 366LL * 24 * 3600;

}  // namespace

std::optional<std::string> read_controls(const core::Headers& headers, Controls& out) {
  std::string_view control = headers.get("cache-control");
  while (!control.empty()) {
    auto comma = control.find(',');
    std::string_view token = trim(control.substr(0, comma));
    control = comma == std::string_view::npos ? std::string_view() : control.substr(comma + 1);
    if (core::iequals(token, "no-cache")) out.lookup = false;
    if (core::iequals(token, "no-store")) out.store = false;
  }
  if (headers.has("x-tollgate-cache")) {
    std::string_view mode = trim(headers.get("x-tollgate-cache"));
    if (core::iequals(mode, "bypass")) {
      out.lookup = false;
      out.store = false;
    } else if (core::iequals(mode, "refresh")) {
      out.lookup = false;
    } else {
      return "x-tollgate-cache must be bypass or refresh";
    }
  }
  if (headers.has("x-tollgate-cache-ttl")) {
    std::string_view text = trim(headers.get("x-tollgate-cache-ttl"));
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || seconds < 1 || seconds > kMaxTtl) {
      return "x-tollgate-cache-ttl must be a whole number of seconds from 1 to " +
             std::to_string(kMaxTtl);
    }
    out.ttl = std::chrono::seconds(seconds);
  }
  if (headers.has("x-tollgate-cache-threshold")) {
    std::string_view text = trim(headers.get("x-tollgate-cache-threshold"));
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= 1)) {
      return "x-tollgate-cache-threshold must be a number from 0 to 1";
    }
    out.threshold = value;
  }
  return std::nullopt;
}

}  // namespace tollgate::cache
