// Keys are only ever hashed, compared in constant time, and generated from the CSPRNG.
#include <catch2/catch.hpp>

#include <set>

#include "policies/auth/key_material.h"
#include "policies/limits/limits_stage.h"

using namespace tollgate::policies;

TEST_CASE("sha256 of a key and the config's hash form") {
  // printf 'test' | sha256sum
  REQUIRE(auth::sha256_hex("test") ==
          "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  auto parsed = auth::parse_hash_spec(
      "sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08");
  REQUIRE(parsed == auth::sha256_hex("test"));
  REQUIRE_FALSE(auth::parse_hash_spec("sha256:abc"));
  REQUIRE_FALSE(auth::parse_hash_spec("md5:9f86d081884c7d659a2feaa0c55ad015"));
  REQUIRE_FALSE(auth::parse_hash_spec(
      "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g"));
}

TEST_CASE("generated keys are distinct, 256-bit, base64url") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string key = auth::generate_api_key();
    REQUIRE(key.size() == 3 + 43);
    REQUIRE(key.starts_with("tg-"));
    REQUIRE(key.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3) ==
            std::string::npos);
    REQUIRE(seen.insert(key).second);
  }
}

TEST_CASE("the presented key: Bearer, then x-api-key, then api-key") {
  tollgate::core::Headers h;
  REQUIRE(auth::presented_key(h).empty());
  h.add("api-key", "azure-style");
  REQUIRE(auth::presented_key(h) == "azure-style");
  h.add("x-api-key", "anthropic-style");
  REQUIRE(auth::presented_key(h) == "anthropic-style");
  h.add("Authorization", "bearer  openai-style ");
  REQUIRE(auth::presented_key(h) == "openai-style");
  REQUIRE(auth::constant_time_equal("abc", "abc"));
  REQUIRE_FALSE(auth::constant_time_equal("abc", "abd"));
  REQUIRE_FALSE(auth::constant_time_equal("abc", "abcd"));
}

TEST_CASE("reset durations read like OpenAI's") {
  REQUIRE(limits::format_reset(0) == "0ms");
  REQUIRE(limits::format_reset(20) == "20ms");
  REQUIRE(limits::format_reset(1000) == "1s");
  REQUIRE(limits::format_reset(1500) == "1.5s");
  REQUIRE(limits::format_reset(360000) == "6m0s");
  REQUIRE(limits::format_reset(61250) == "1m1.25s");
  REQUIRE(limits::format_reset(3723000) == "1h2m3s");
  REQUIRE(limits::format_reset(-5) == "0ms");
  REQUIRE(limits::format_reset(1001) == "1.001s");
  REQUIRE(limits::format_reset(1010) == "1.01s");
  REQUIRE(limits::format_reset(59999) == "59.999s");
  REQUIRE(limits::format_reset(3600000) == "1h0m0s");
  REQUIRE(limits::format_reset(86400000) == "24h0m0s");
}
