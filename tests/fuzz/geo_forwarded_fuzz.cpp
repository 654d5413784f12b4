// The geo stage's reading of X-Forwarded-For and RFC 7239 Forwarded
// (policies/geo/client_address.cpp) on any header bytes a client or proxy can send. The
// first byte picks the peer (trusted or not), the header read, and which fields the rest
// fills; the rest is cut at '\n' into several fields. Checked:
//   - an untrusted peer is always the client, whatever the headers say;
//   - never more than kMaxForwardedHops + 1 entries are kept;
//   - a client found behind a trusted proxy is one of the forwarded entries, and is not
//     trusted unless every entry is;
//   - an untrusted hop appended by a trusted proxy is the client, whatever came before;
//   - an address prints and parses back to itself; a network contains its own base.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/geo/client_address.h"
#include "tests/fuzz/fuzz_support.h"

using namespace tollgate;
using namespace tollgate::policies::geo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint8_t options = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  static const std::vector<Network> trusted = {*Network::parse("10.0.0.0/8"),
                                               *Network::parse("2001:db8::/32")};
  const char* names[] = {"X-Forwarded-For", "Forwarded"};
  std::vector<std::pair<const char*, std::string_view>> fields;
  for (std::size_t field = 0; !rest.empty() && field < 8; ++field) {
    std::size_t newline = rest.find('\n');
    fields.emplace_back(names[(options >> (field % 4 + 1)) & 1], rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  core::Headers headers;
  for (const auto& [name, value] : fields) headers.add(name, value);
  auto header =
      (options & 0x20) != 0 ? ForwardedHeader::forwarded : ForwardedHeader::x_forwarded_for;
  const char* read = names[header == ForwardedHeader::forwarded ? 1 : 0];
  auto peer = IpAddress::parse((options & 1) != 0 ? "10.1.2.3" : "198.51.100.7");
  auto client = client_address(peer, headers, trusted, header);
  if ((options & 1) == 0) FUZZ_CHECK(client == peer);

  auto entries = forwarded_entries(headers, header);
  FUZZ_CHECK(entries.size() <= kMaxForwardedHops + 1);
  if ((options & 1) != 0 && client) {
    bool listed = false, all_trusted = true;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      auto address = IpAddress::parse(entries.from_right(i));
      listed = listed || address == client;
      all_trusted = all_trusted && address &&
                    (trusted[0].contains(*address) || trusted[1].contains(*address));
    }
    FUZZ_CHECK(listed);
    bool client_trusted = trusted[0].contains(*client) || trusted[1].contains(*client);
    FUZZ_CHECK(!client_trusted || all_trusted);
  }
  // A hop a trusted proxy appends (to the last field of the header read, or in a field of
  // its own) decides, whatever came before it: an open quote, thousands of entries, the
  // other header.
  {
    std::string_view hop = read == names[1] ? "for=198.51.100.9" : "198.51.100.9";
    std::size_t last = fields.size();
    for (std::size_t i = 0; i < fields.size(); ++i) last = fields[i].first == read ? i : last;
    core::Headers appended;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      appended.add(fields[i].first, i == last
                                        ? std::string(fields[i].second) + ", " + std::string(hop)
                                        : std::string(fields[i].second));
    }
    if (last == fields.size()) appended.add(read, hop);
    FUZZ_CHECK(client_address(IpAddress::parse("10.1.2.3"), appended, trusted, header) ==
               IpAddress::parse("198.51.100.9"));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string_view entry = entries.from_right(i);
    if (auto address = IpAddress::parse(entry)) {
      FUZZ_CHECK(IpAddress::parse(address->to_string()) == address);
    }
    if (auto network = Network::parse(entry)) FUZZ_CHECK(network->contains(network->base));
  }
  return 0;
}
