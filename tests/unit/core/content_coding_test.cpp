// Compressed bodies: round trips, zip-bomb caps, Accept-Encoding parsing.
#include <catch2/catch.hpp>

#include "gateway/core/content_coding.h"

using namespace tollgate::core;

TEST_CASE("gzip round trip") {
  std::string body(10000, 'x');
  auto packed = gzip_body(body);
  REQUIRE(packed.size() < body.size());
  auto back = decode_body(Coding::gzip, packed, 1 << 20);
  REQUIRE(back);
  REQUIRE(*back == body);
}

TEST_CASE("decoding stops at the size cap and on corrupt input") {
  auto packed = gzip_body(std::string(100000, 'a'));
  REQUIRE_FALSE(decode_body(Coding::gzip, packed, 1000));
  REQUIRE_FALSE(decode_body(Coding::gzip, "not gzip at all", 1000));
  REQUIRE_FALSE(decode_body(Coding::gzip, packed.substr(0, packed.size() / 2), 1 << 20));
}

// Found by tests/fuzz/content_decoding_fuzz.cpp: identity returned the body whatever its
// size, so a caller relying on the cap (a zip bomb's or max_body_bytes) got more.
TEST_CASE("identity obeys the size cap too") {
  REQUIRE(decode_body(Coding::identity, "abc", 3) == "abc");
  REQUIRE_FALSE(decode_body(Coding::identity, "abcd", 3));
}

TEST_CASE("content-encoding and accept-encoding values") {
  REQUIRE(parse_coding("gzip") == Coding::gzip);
  REQUIRE(parse_coding(" BR ") == Coding::br);
  REQUIRE(parse_coding("") == Coding::identity);
  REQUIRE(parse_coding("zstd") == Coding::unsupported);
  REQUIRE(accepts_gzip("gzip, deflate, br"));
  REQUIRE(accepts_gzip("br;q=1.0, gzip;q=0.8"));
  REQUIRE_FALSE(accepts_gzip("gzip;q=0"));
  REQUIRE_FALSE(accepts_gzip("identity"));
  REQUIRE_FALSE(accepts_gzip(""));
}
