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

// Calls fn(item) for each comma-separated item of a field's value, trimmed.
template <typename Fn>
void for_each_item(std::string_view value, Fn fn) {
  for (;;) {
    auto comma = value.find(',');
    fn(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

// Every line of a field counts (a client or a proxy may split a list over several lines,
// RFC 9110 5.3): a `no-store` on the second line is honoured, and a TTL or threshold given
// twice is a value the gateway cannot read.
std::optional<std::string> read_controls(const core::Headers& headers, Controls& out) {
  for (auto field : headers) {
    if (core::iequals(field.name, "cache-control")) {
      for_each_item(field.value, [&](std::string_view token) {
        if (core::iequals(token, "no-cache")) out.lookup = false;
        if (core::iequals(token, "no-store")) out.store = false;
      });
    } else if (core::iequals(field.name, "x-tollgate-cache")) {
      bool known = true;
      for_each_item(field.value, [&](std::string_view mode) {
        if (core::iequals(mode, "bypass")) {
          out.lookup = false;
          out.store = false;
        } else if (core::iequals(mode, "refresh")) {
          out.lookup = false;
        } else {
          known = false;
        }
      });
      if (!known) return "x-tollgate-cache must be bypass or refresh";
    } else if (core::iequals(field.name, "x-tollgate-cache-ttl")) {
      std::string_view text = trim(field.value);
      std::int64_t seconds = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
      if (out.ttl || ec != std::errc() || end != text.data() + text.size() || seconds < 1 ||
          seconds > kMaxTtl) {
        return "x-tollgate-cache-ttl must be a whole number of seconds from 1 to " +
               std::to_string(kMaxTtl);
      }
      out.ttl = std::chrono::seconds(seconds);
    } else if (core::iequals(field.name, "x-tollgate-cache-threshold")) {
      std::string_view text = trim(field.value);
      double value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (out.threshold || ec != std::errc() || end != text.data() + text.size() ||
          !(value >= 0 && value <= 1)) {
        return "x-tollgate-cache-threshold must be a number from 0 to 1";
      }
      out.threshold = value;
    }
  }
  return std::nullopt;
}

}  // namespace tollgate::cache
