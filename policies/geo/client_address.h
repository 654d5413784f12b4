// Where a request comes from (docs/geo.md): the socket's peer, or, only when the peer is
// a trusted proxy, the right-most address of `X-Forwarded-For` (or, as configured, RFC 7239
// `Forwarded`) that is not itself a trusted proxy. Pure functions on client bytes:
// no allocation, every walk bounded.
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

// The right-most kMaxForwardedHops + 1 forwarding entries (one more than is walked, so
// that a longer chain is known to be longer), in a fixed ring: no allocation however
// many a client sends.
class ForwardedEntries {
 public:
  void push(std::string_view entry) {
    ring_[seen_ % ring_.size()] = entry;
    ++seen_;
  }
  // How many are kept (at most kMaxForwardedHops + 1).
  std::size_t size() const { return seen_ < ring_.size() ? seen_ : ring_.size(); }
  // The i-th from the right (0: the hop the last proxy saw); i < size().
  std::string_view from_right(std::size_t i) const { return ring_[(seen_ - 1 - i) % ring_.size()]; }

 private:
  std::array<std::string_view, kMaxForwardedHops + 1> ring_{};
  std::size_t seen_ = 0;
};

// Which header the trusted proxies write (`geo.forwarded_header`). Only that one is read:
// a proxy passes on the other as the client sent it, so reading it would believe the client.
enum class ForwardedHeader { x_forwarded_for, forwarded };

// The forwarding entries of `headers`: each item of `X-Forwarded-For`, or each `for=` of
// RFC 7239 `Forwarded` (an element without `for=` is an empty entry); several fields are
// read in order. Split at every comma (and `;`), quotes or not: no node a
// proxy writes holds one, and a quote a client left open must not swallow the hops the
// proxies appended after it.
ForwardedEntries forwarded_entries(const core::Headers& headers, ForwardedHeader header);

// The client's address: `peer` unless it is in `trusted`; then, walking the forwarding
// entries of `header` from the right, the first that is not in `trusted` (when every one is, the
// left-most). Nullopt when that entry is not an address, when a trusted peer sent no
// entries, or when the first kMaxForwardedHops from the right are all trusted and more
// follow: the client is then unknown, never the proxy. Entries left of the one taken
// (the client's own claims, however many) change nothing.
std::optional<IpAddress> client_address(const std::optional<IpAddress>& peer,
                                        const core::Headers& headers,
                                        const std::vector<Network>& trusted,
                                        ForwardedHeader header);

}  // namespace tollgate::policies::geo
