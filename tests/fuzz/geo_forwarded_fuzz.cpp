// The geo stage's reading of X-Forwarded-For and RFC 7239 Forwarded
// (policies/geo/client_address.cpp) on any header bytes a client or proxy can send. The
// first byte picks the peer (trusted or not) and which fields the rest fills; the rest is
// cut at '\n' into several fields. Checked:
//   - an untrusted peer is always the client, whatever the headers say;
//   - never more than kMaxForwardedHops + 1 entries are kept;
//   - a client found behind a trusted proxy is one of the forwarded entries, and is not
//     trusted unless every entry is;
//   - an address prints and parses back to itself; a network contains its own base.
#include <cstddef>
#include <cstdint>
#include <string_view>

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
  core::Headers headers;
  const char* names[] = {"X-Forwarded-For", "Forwarded"};
  for (std::size_t field = 0; !rest.empty() && field < 8; ++field) {
    std::size_t newline = rest.find('\n');
    std::string_view value = rest.substr(0, newline);
    headers.add(names[(options >> (field % 4 + 1)) & 1], value);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  auto peer = IpAddress::parse((options & 1) != 0 ? "10.1.2.3" : "198.51.100.7");
  auto client = client_address(peer, headers, trusted);
  if ((options & 1) == 0) FUZZ_CHECK(client == peer);

  auto entries = forwarded_entries(headers);
  FUZZ_CHECK(entries.size() <= kMaxForwardedHops + 1);
  if ((options & 1) != 0 && client) {
    bool listed = false, all_trusted = true;
    for (auto entry : entries) {
      auto address = IpAddress::parse(entry);
      listed = listed || address == client;
      all_trusted = all_trusted && address &&
                    (trusted[0].contains(*address) || trusted[1].contains(*address));
    }
    FUZZ_CHECK(listed);
    bool client_trusted = trusted[0].contains(*client) || trusted[1].contains(*client);
    FUZZ_CHECK(!client_trusted || all_trusted);
  }
  for (auto entry : entries) {
    if (auto address = IpAddress::parse(entry)) {
      FUZZ_CHECK(IpAddress::parse(address->to_string()) == address);
    }
    if (auto network = Network::parse(entry)) FUZZ_CHECK(network->contains(network->base));
  }
  return 0;
}
