// Parsers for the scalar forms the config uses: durations, host:port, base URLs.
#include <charconv>
#include <stdexcept>

#include "gateway/core/config_reader.h"

namespace tollgate::core {

namespace {

bool parse_uint(std::string_view text, unsigned long long& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Duration parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  unsigned long long n = 0;
  if (digits == 0 || !parse_uint(text.substr(0, digits), n)) {
    throw std::invalid_argument("expected a duration like 250ms, 10s, 5m or 1h");
  }
  std::string_view unit = text.substr(digits);
  unsigned long long ms;
  if (unit.empty() || unit == "s") {
    ms = n * 1000;
  } else if (unit == "ms") {
    ms = n;
  } else if (unit == "m") {
    ms = n * 60 * 1000;
  } else if (unit == "h") {
    ms = n * 3600 * 1000;
  } else {
    throw std::invalid_argument("unknown duration unit '" + std::string(unit) +
                                "' (use ms, s, m or h)");
  }
  if (n > 10ull * 365 * 24 * 3600 * 1000) throw std::invalid_argument("duration is too large");
  return Duration(static_cast<Duration::rep>(ms));
}

HostPort parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("expected [ipv6]:port");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("expected host:port");
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      throw std::invalid_argument("write IPv6 addresses as [address]:port");
    }
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) out.host = "0.0.0.0";
  unsigned long long n = 0;
  if (!parse_uint(port, n) || n == 0 || n > 65535) {
    throw std::invalid_argument("the port must be a number from 1 to 65535");
  }
  out.port = static_cast<std::uint16_t>(n);
  return out;
}

Url parse_url(std::string_view text) {
  Url url;
  std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    throw std::invalid_argument("expected http://host[:port][/path] or https://...");
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    throw std::invalid_argument("the scheme must be http or https");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("credentials in the URL are not supported; use api_key");
  }
  if (authority.empty()) throw std::invalid_argument("the URL has no host");
  bool has_port = authority.starts_with('[') ? authority.find("]:") != std::string_view::npos
                                             : authority.find(':') != std::string_view::npos;
  if (has_port) {
    HostPort hp = parse_host_port(authority);
    url.host = hp.host;
    url.port = hp.port;
  } else {
    url.host = std::string(authority.starts_with('[') ? authority.substr(1, authority.size() - 2)
                                                      : authority);
    url.port = url.tls() ? 443 : 80;
  }
  if (url.host.empty()) throw std::invalid_argument("the URL has no host");
  return url;
}

}  // namespace tollgate::core
