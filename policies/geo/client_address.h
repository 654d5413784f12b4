// Where a request comes from (docs/geo.md): the socket's peer, or, only when the peer is
// a trusted proxy, the right-most address of `Forwarded` (RFC 7239) or, without it,
// `X-Forwarded-For` that is not itself a trusted proxy. Pure functions on client bytes:
// no allocation beyond one small list, every walk bounded.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/headers.h"

namespace tollgate::policies::geo {

// An IPv4 or IPv6 address; IPv4 is kept IPv4-mapped (::ffff:a.b.c.d).
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  bool v4() const;
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;

  // "192.0.2.1", "2001:db8::1", and as proxies write them: "192.0.2.1:4711",
  // "[2001:db8::1]:4711", quoted ("\"[2001:db8::1]\""). Nullopt for anything else
  // ("unknown", an obfuscated "_hidden", a name).
  static std::optional<IpAddress> parse(std::string_view text);
};

// "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1" is /32).
struct Network {
  IpAddress base;
  int prefix = 128;  // over the 128 bits (an IPv4 /8 is 104)

  bool contains(const IpAddress& address) const;
  static std::optional<Network> parse(std::string_view text);
};

// At most this many hops are walked from the right; beyond them the client is unknown.
inline constexpr std::size_t kMaxForwardedHops = 64;

// The forwarding entries of `headers` from left (the first client) to right (the last
// proxy): each `for=` of `Forwarded` when it is present (an element without `for=` is an
// empty entry), else each item of `X-Forwarded-For`; several fields are read in order.
// At most kMaxForwardedHops + 1 entries, the right-most ones.
std::vector<std::string_view> forwarded_entries(const core::Headers& headers);

// The client's address: `peer` unless it is in `trusted`; then, walking the forwarding
// entries from the right, the first that is not in `trusted` (when every one is, the
// left-most). Nullopt when that entry is not an address, when a trusted peer sent no
// entries, or past kMaxForwardedHops: the client is then unknown, never the proxy.
std::optional<IpAddress> client_address(const std::optional<IpAddress>& peer,
                                        const core::Headers& headers,
                                        const std::vector<Network>& trusted);

}  // namespace tollgate::policies::geo
