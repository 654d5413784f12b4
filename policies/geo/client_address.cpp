#include "policies/geo/client_address.h"

#include <arpa/inet.h>

#include <algorithm>

namespace tollgate::policies::geo {

namespace {

bool in_any(const std::vector<Network>& networks, const IpAddress& address) {
  return std::any_of(networks.begin(), networks.end(),
                     [&](const Network& n) { return n.contains(address); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(part) for each part of `value` between `separator`s.
template <typename Fn>
void split(std::string_view value, char separator, Fn fn) {
  for (std::size_t start = 0;;) {
    std::size_t at = value.find(separator, start);
    fn(value.substr(start, at - start));
    if (at == std::string_view::npos) return;
    start = at + 1;
  }
}

// The `for=` parameter of one Forwarded element, or empty.
std::string_view for_of(std::string_view element) {
  std::string_view found;
  split(element, ';', [&](std::string_view pair) {
    pair = trim(pair);
    if (pair.size() > 4 && core::iequals(pair.substr(0, 4), "for=")) found = pair.substr(4);
  });
  return found;
}

}  // namespace

bool IpAddress::v4() const {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(std::begin(kMapped), std::end(kMapped), bytes.begin());
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  }
  return text;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));  // IPv4 with a port
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::copy(text.begin(), text.end(), buffer);
  IpAddress out;
  if (inet_pton(AF_INET, buffer, out.bytes.data() + 12) == 1) {
    out.bytes[10] = out.bytes[11] = 0xff;
    return out;
  }
  if (inet_pton(AF_INET6, buffer, out.bytes.data()) == 1) return out;
  return std::nullopt;
}

bool Network::contains(const IpAddress& address) const {
  int whole = prefix / 8;
  if (!std::equal(base.bytes.begin(), base.bytes.begin() + whole, address.bytes.begin())) {
    return false;
  }
  int bits = prefix % 8;
  if (bits == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (base.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

std::optional<Network> Network::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  // A bracket, quote or port (one colon: "10.0.0.1:80") has no place in a network.
  if (address_text.find_first_of("[]\"") != std::string_view::npos ||
      std::count(address_text.begin(), address_text.end(), ':') == 1) {
    return std::nullopt;
  }
  auto address = IpAddress::parse(address_text);
  if (!address) return std::nullopt;
  int width = address->v4() ? 32 : 128;
  int bits = width;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    bits = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits > width) return std::nullopt;
  }
  Network network{*address, bits + (128 - width)};
  // The base's bits past the prefix are cleared, so contains() needs only the prefix.
  for (int bit = network.prefix; bit < 128; ++bit) {
    network.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
  return network;
}

ForwardedEntries forwarded_entries(const core::Headers& headers, ForwardedHeader header) {
  ForwardedEntries out;
  bool rfc = header == ForwardedHeader::forwarded;
  std::string_view name = rfc ? "forwarded" : "x-forwarded-for";
  for (const core::HeaderField field : headers) {
    if (!core::iequals(field.name, name)) continue;
    split(field.value, ',',
          [&](std::string_view item) { out.push(rfc ? for_of(item) : trim(item)); });
  }
  return out;
}

std::optional<IpAddress> client_address(const std::optional<IpAddress>& peer,
                                        const core::Headers& headers,
                                        const std::vector<Network>& trusted,
                                        ForwardedHeader header) {
  if (!peer || !in_any(trusted, *peer)) return peer;
  ForwardedEntries entries = forwarded_entries(headers, header);
  if (entries.size() == 0) return std::nullopt;
  std::optional<IpAddress> address;
  for (std::size_t i = 0; i < entries.size() && i < kMaxForwardedHops; ++i) {
    address = IpAddress::parse(entries.from_right(i));
    if (!address || !in_any(trusted, *address)) return address;
  }
  if (entries.size() > kMaxForwardedHops) return std::nullopt;  // trusted past the bound
  return address;  // every hop is trusted: the left-most is where it began
}

}  // namespace tollgate::policies::geo
