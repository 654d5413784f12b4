// Where a request comes from: addresses and networks as proxies write them, and the walk
// of X-Forwarded-For or Forwarded from the right, trusted only from trusted peers.
#include <catch2/catch.hpp>

#include "policies/geo/client_address.h"

using namespace tollgate;
using namespace tollgate::policies::geo;

namespace {

std::vector<Network> nets(std::initializer_list<const char*> texts) {
  std::vector<Network> out;
  for (const char* t : texts) out.push_back(*Network::parse(t));
  return out;
}

std::string walk(const char* peer,
                 std::initializer_list<std::pair<const char*, const char*>> fields,
                 const std::vector<Network>& trusted,
                 ForwardedHeader header = ForwardedHeader::x_forwarded_for) {
  core::Headers headers;
  for (const auto& [name, value] : fields) headers.add(name, value);
  auto address = client_address(IpAddress::parse(peer), headers, trusted, header);
  return address ? address->to_string() : "unknown";
}

}  // namespace

TEST_CASE("geo: addresses as proxies write them") {
  CHECK(IpAddress::parse("192.0.2.1")->to_string() == "192.0.2.1");
  CHECK(IpAddress::parse(" 192.0.2.1:4711 ")->to_string() == "192.0.2.1");
  CHECK(IpAddress::parse("\"[2001:db8::1]:4711\"")->to_string() == "2001:db8::1");
  CHECK(IpAddress::parse("2001:db8::1")->to_string() == "2001:db8::1");
  CHECK(IpAddress::parse("::ffff:192.0.2.1")->to_string() == "192.0.2.1");
  CHECK(IpAddress::parse("192.0.2.1")->v4());
  for (const char* bad : {"", "unknown", "_hidden", "[2001:db8::1", "[::1]x", "1.2.3", "999.1.1.1",
                          "example.com", "1.2.3.4:80:90"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
}

TEST_CASE("geo: networks contain what their prefix says") {
  Network ten = *Network::parse("10.0.0.0/8");
  CHECK(ten.contains(*IpAddress::parse("10.200.1.1")));
  CHECK_FALSE(ten.contains(*IpAddress::parse("11.0.0.1")));
  CHECK_FALSE(ten.contains(*IpAddress::parse("::a00:1")));  // not IPv4-mapped
  Network one = *Network::parse("127.0.0.1");
  CHECK(one.contains(*IpAddress::parse("127.0.0.1")));
  CHECK_FALSE(one.contains(*IpAddress::parse("127.0.0.2")));
  Network odd = *Network::parse("192.168.0.0/23");
  CHECK(odd.contains(*IpAddress::parse("192.168.1.255")));
  CHECK_FALSE(odd.contains(*IpAddress::parse("192.168.2.0")));
  Network v6 = *Network::parse("2001:db8::/32");
  CHECK(v6.contains(*IpAddress::parse("2001:db8:ffff::1")));
  CHECK_FALSE(v6.contains(*IpAddress::parse("2001:db9::1")));
  CHECK(Network::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
  for (const char* bad :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1:80", "[::1]/128", "::/129", "nope/8"}) {
    INFO(bad);
    CHECK_FALSE(Network::parse(bad).has_value());
  }
}

TEST_CASE("geo: an untrusted peer is the client, whatever it forwards") {
  auto trusted = nets({"10.0.0.0/8"});
  CHECK(walk("198.51.100.7", {{"X-Forwarded-For", "192.0.2.1"}}, trusted) == "198.51.100.7");
  CHECK(walk("198.51.100.7", {{"Forwarded", "for=192.0.2.1"}}, trusted,
             ForwardedHeader::forwarded) == "198.51.100.7");
  CHECK(walk("unknown", {}, trusted) == "unknown");
}

TEST_CASE("geo: behind trusted proxies, the right-most untrusted hop is the client") {
  auto trusted = nets({"10.0.0.0/8", "2001:db8::/32"});
  // The client's own claim (left) is never believed over what the proxy saw.
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9, 198.51.100.7"}}, trusted) ==
        "198.51.100.7");
  // Trusted hops are walked past.
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "198.51.100.7, 10.1.1.1,10.2.2.2"}}, trusted) ==
        "198.51.100.7");
  // Several fields are one list, in order.
  CHECK(walk("10.0.0.1",
             {{"X-Forwarded-For", "203.0.113.9"}, {"x-forwarded-for", "198.51.100.7, 10.1.1.1"}},
             trusted) == "198.51.100.7");
  // Every hop trusted: the left-most is where the request began.
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "10.3.3.3, 10.1.1.1"}}, trusted) == "10.3.3.3");
  // Nothing forwarded, or a hop that is not an address: unknown, never the proxy.
  CHECK(walk("10.0.0.1", {}, trusted) == "unknown");
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "198.51.100.7, unknown"}}, trusted) == "unknown");
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", ""}}, trusted) == "unknown");
}

TEST_CASE("geo: only the configured header is read; the other is the client's own") {
  auto trusted = nets({"10.0.0.0/8"});
  // The proxies append to X-Forwarded-For and pass on a Forwarded the client wrote.
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=203.0.113.9"}, {"X-Forwarded-For", "198.51.100.7"}},
             trusted) == "198.51.100.7");
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=203.0.113.9"}}, trusted) == "unknown");
  // And the other way round.
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=198.51.100.7"}},
             trusted, ForwardedHeader::forwarded) == "198.51.100.7");
}

TEST_CASE("geo: RFC 7239 Forwarded, quoted and with ports") {
  auto trusted = nets({"10.0.0.0/8"});
  auto rfc = ForwardedHeader::forwarded;
  CHECK(
      walk("10.0.0.1",
           {{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"198.51.100.7:4711\""}},
           trusted, rfc) == "198.51.100.7");
  CHECK(walk("10.0.0.1", {{"Forwarded", "For=\"[2001:db8:cafe::17]:4711\""}}, trusted, rfc) ==
        "2001:db8:cafe::17");
  // An element without for= and an obfuscated identifier are not addresses.
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=198.51.100.7, proto=https"}}, trusted, rfc) ==
        "unknown");
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=_hidden"}}, trusted, rfc) == "unknown");
}

TEST_CASE("geo: what a client writes left of the proxies' hops changes nothing") {
  auto trusted = nets({"10.0.0.0/8"});
  // A quote left open does not swallow the hop the proxy appended to the same field.
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", "\"203.0.113.9, 198.51.100.7"}}, trusted) ==
        "198.51.100.7");
  auto rfc = ForwardedHeader::forwarded;
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=\"203.0.113.9, for=198.51.100.7"}}, trusted, rfc) ==
        "198.51.100.7");
  CHECK(walk("10.0.0.1", {{"Forwarded", "for=x;by=\"a, for=198.51.100.7;proto=http"}}, trusted,
             rfc) == "198.51.100.7");
  // However many entries the client sends before it.
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "junk, ";
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", (many + "198.51.100.7, 10.0.0.2").c_str()}},
             trusted) == "198.51.100.7");
}

TEST_CASE("geo: the walk is bounded") {
  auto trusted = nets({"10.0.0.0/8"});
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "10.0.0.2, ";
  many += "10.0.0.3";
  core::Headers headers;
  headers.add("X-Forwarded-For", many);
  ForwardedEntries entries = forwarded_entries(headers, ForwardedHeader::x_forwarded_for);
  CHECK(entries.size() == kMaxForwardedHops + 1);
  CHECK(entries.from_right(0) == "10.0.0.3");
  // More trusted hops than are walked: unknown.
  CHECK_FALSE(client_address(IpAddress::parse("10.0.0.1"), headers, trusted,
                             ForwardedHeader::x_forwarded_for)
                  .has_value());
  // Exactly as many as are walked: the left-most.
  std::string bounded;
  for (std::size_t i = 1; i < kMaxForwardedHops; ++i) bounded += "10.0.0.2, ";
  bounded += "10.0.0.3";
  CHECK(walk("10.0.0.1", {{"X-Forwarded-For", bounded.c_str()}}, trusted) == "10.0.0.2");
}
