// The demo provider's content is deterministic and its counts honest.
#include <catch2/catch.hpp>

#include "routing/providers/demo/demo_text.h"

using namespace tollgate::routing::providers::demo;

TEST_CASE("words are counted as tokens") {
  REQUIRE(count_words("") == 0);
  REQUIRE(count_words("  hi  there\nfriend ") == 3);
}

TEST_CASE("stream pieces join back into the text") {
  std::string text = demo_reply("hello world");
  std::string joined;
  for (const auto& piece : split_for_stream(text)) joined += piece;
  REQUIRE(joined == text);
  REQUIRE(static_cast<std::int64_t>(split_for_stream(text).size()) == count_words(text));
}

TEST_CASE("the reply quotes the prompt and is deterministic") {
  REQUIRE(demo_reply("hi") == demo_reply("hi"));
  REQUIRE(demo_reply("hi").find("\"hi\"") != std::string::npos);
}

TEST_CASE("embeddings are deterministic unit vectors") {
  auto a = demo_embedding("hello", 64);
  auto b = demo_embedding("hello", 64);
  auto c = demo_embedding("other", 64);
  REQUIRE(a == b);
  REQUIRE(a != c);
  double norm = 0;
  for (float x : a) norm += static_cast<double>(x) * x;
  REQUIRE(norm == Approx(1.0).epsilon(1e-5));
}

TEST_CASE("base64 encodes little-endian float32") {
  REQUIRE(base64_floats({1.0f}) == "AACAPw==");
  REQUIRE(base64_floats({}).empty());
}
