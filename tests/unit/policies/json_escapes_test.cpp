// The escape decoder the pii stage prescans answers with: every JSON escape, surrogate
// pairs, and a refusal (so a parse judges) for what is not an escape.
#include <catch2/catch.hpp>

#include "policies/common/json_escapes.h"

using tollgate::policies::decode_json_escapes;

TEST_CASE("json escapes: every kind decoded, structure kept", "[policies]") {
  std::string out;
  REQUIRE(decode_json_escapes(R"({"a":"x\ty \"q\" \\ \/ \b\f\n\r","b":1})", out));
  CHECK(out == "{\"a\":\"x\ty \"q\" \\ / \b\f\n\r\",\"b\":1}");
  REQUIRE(decode_json_escapes(R"("caf\u00e9 \u20AC \ud83d\ude00")", out));
  CHECK(out == "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  REQUIRE(decode_json_escapes(R"("lone \ud800 high")", out));
  CHECK(out == "\"lone \xEF\xBF\xBD high\"");  // U+FFFD
  REQUIRE(decode_json_escapes("no escapes at all", out));
  CHECK(out == "no escapes at all");
}

TEST_CASE("json escapes: what is not an escape is refused", "[policies]") {
  std::string out;
  CHECK_FALSE(decode_json_escapes(R"("\x41")", out));
  CHECK_FALSE(decode_json_escapes(R"("\u12G4")", out));
  CHECK_FALSE(decode_json_escapes(R"("\u12")", out));
  CHECK_FALSE(decode_json_escapes("ends with \\", out));
}
