// RedisEndpoint::parse and describe. Error messages quote nothing from the URL: a URL
// that does not parse may have its password anywhere (a missing '@' puts it in the port).
#include <cctype>
#include <charconv>
#include <climits>
#include <optional>

#include <boost/asio/ip/address.hpp>

#include "state/redis/redis_client.h"

namespace tollgate::state {

namespace {

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("redis URL: " + why);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Credentials may hold ':', '@' or '/' written as %XX, as in any URL.
std::string percent_decode(std::string_view text, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
    if (high < 0 || low < 0) reject(std::string("bad %-escape in the ") + what);
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<long> parse_number(std::string_view text, long min, long max) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

// An IP address, or a host name as DNS writes them (RFC 1123): dot-separated labels of
// letters, digits and hyphens, none starting or ending with a hyphen.
bool is_valid_host(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) return true;
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(host[i])) || host[i] == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

RedisEndpoint RedisEndpoint::parse(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) {
    if (url.starts_with("rediss://")) reject("rediss:// (TLS) is not supported");
    reject("must start with redis://");
  }
  std::string_view rest = url.substr(scheme.size());
  RedisEndpoint endpoint;

  // The last '@' ends the credentials: host, port and db never hold one, a password might.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      reject("credentials must be written user:password@ or :password@");
    }
    endpoint.username = percent_decode(credentials.substr(0, colon), "user name");
    endpoint.password = percent_decode(credentials.substr(colon + 1), "password");
  }

  std::string_view authority = rest;
  std::optional<std::string_view> db_text;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    db_text = rest.substr(slash + 1);
  }

  std::optional<std::string_view> port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) reject("an IPv6 host needs its closing ]");
    endpoint.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') reject("only :port may follow an [IPv6] host");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) reject("the host is missing");
  if (!is_valid_host(endpoint.host)) reject("the host must be an IP address or a host name");

  if (port_text) {
    auto port = parse_number(*port_text, 1, 65535);
    if (!port) reject("the port must be a number from 1 to 65535");
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  if (db_text && !db_text->empty()) {
    auto db = parse_number(*db_text, 0, INT_MAX);
    if (!db) reject("the database must be a number (redis://host:port/db)");
    endpoint.db = static_cast<int>(*db);
  }
  return endpoint;
}

std::string RedisEndpoint::describe() const {
  bool ipv6 = host.find(':') != std::string::npos;
  std::string text = ipv6 ? "[" + host + "]" : host;
  return text + ":" + std::to_string(port) + "/" + std::to_string(db);
}

}  // namespace tollgate::state
