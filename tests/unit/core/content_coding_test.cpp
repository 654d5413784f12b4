// Compressed bodies: round trips, zip-bomb caps, Accept-Encoding parsing.
#include <catch2/catch.hpp>

#include <zlib.h>

#include "gateway/core/content_coding.h"

using namespace tollgate::core;
using Outcome = DecodedBody::Outcome;

namespace {

// deflate (zlib-wrapped) at the best level: a bomb as small as zlib makes it.
std::string zlib_body(const std::string& body) {
  uLongf size = compressBound(static_cast<uLong>(body.size()));
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size,
            reinterpret_cast<const Bytef*>(body.data()), static_cast<uLong>(body.size()), 9);
  out.resize(size);
  return out;
}

}  // namespace

TEST_CASE("gzip round trip") {
  std::string body(10000, 'x');
  auto packed = gzip_body(body);
  REQUIRE(packed.size() < body.size());
  auto back = decode_body(Coding::gzip, packed, 1 << 20);
  REQUIRE(back.outcome == Outcome::ok);
  REQUIRE(back.body == body);
}

TEST_CASE("decoding past the cap is too_large; corrupt or truncated input is corrupt") {
  auto packed = gzip_body(std::string(100000, 'a'));
  REQUIRE(decode_body(Coding::gzip, packed, 1000).outcome == Outcome::too_large);
  REQUIRE(decode_body(Coding::gzip, "not gzip at all", 1000).outcome == Outcome::corrupt);
  REQUIRE(decode_body(Coding::gzip, packed.substr(0, packed.size() / 2), 1 << 20).outcome ==
          Outcome::corrupt);
  REQUIRE(decode_body(Coding::gzip, "", 1000).outcome == Outcome::corrupt);
  REQUIRE(decode_body(Coding::deflate, zlib_body(std::string(100000, 'a')), 1000).outcome ==
          Outcome::too_large);
  REQUIRE(decode_body(Coding::br, "\x1b\xff\xff", 1000).outcome == Outcome::corrupt);
}

TEST_CASE("a body decoding to exactly the cap is taken, one byte more is not") {
  std::string body(50000, 'z');
  auto packed = gzip_body(body);
  auto exact = decode_body(Coding::gzip, packed, body.size());
  REQUIRE(exact.outcome == Outcome::ok);
  REQUIRE(exact.body == body);
  REQUIRE(decode_body(Coding::gzip, packed, body.size() - 1).outcome == Outcome::too_large);
}

TEST_CASE("a zip bomb stops at the cap") {
  // 32 MiB of zeros in about 32 KB.
  std::string bomb = zlib_body(std::string(32u << 20, '\0'));
  REQUIRE(bomb.size() < (64u << 10));
  auto decoded = decode_body(Coding::deflate, bomb, 4096);
  REQUIRE(decoded.outcome == Outcome::too_large);
  REQUIRE(decoded.body.empty());
  REQUIRE(decode_body(Coding::deflate, bomb, 32u << 20).outcome == Outcome::ok);
}

// Found by tests/fuzz/content_decoding_fuzz.cpp: identity returned the body whatever its
// size, so a caller relying on the cap (a zip bomb's or max_body_bytes) got more.
TEST_CASE("identity obeys the size cap too") {
  REQUIRE(decode_body(Coding::identity, "abc", 3).body == "abc");
  REQUIRE(decode_body(Coding::identity, "abcd", 3).outcome == Outcome::too_large);
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
