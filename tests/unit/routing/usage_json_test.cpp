// Usage is read from whole bodies and from the stream's usage chunk.
#include <catch2/catch.hpp>

#include "routing/providers/common/usage_json.h"

using namespace tollgate;
using routing::providers::read_usage;

TEST_CASE("usage in a whole response") {
  core::Usage usage;
  auto facts = read_usage(
      R"({"id":"x","choices":[{"index":0}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})",
      usage);
  REQUIRE(facts.has_usage);
  REQUIRE_FALSE(facts.usage_only);
  REQUIRE(usage.prompt_tokens == 12);
  REQUIRE(usage.completion_tokens == 5);
  REQUIRE(usage.reported);
}

TEST_CASE("the usage-only stream chunk is recognised") {
  core::Usage usage;
  auto facts = read_usage(
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}})",
      usage);
  REQUIRE(facts.usage_only);
  REQUIRE(usage.completion_tokens == 9);
}

TEST_CASE("chunks with usage null or no usage change nothing") {
  core::Usage usage;
  REQUIRE_FALSE(
      read_usage(R"({"choices":[{"delta":{"content":"hi"}}],"usage":null})", usage).has_usage);
  REQUIRE_FALSE(read_usage(R"({"choices":[]})", usage).usage_only);
  REQUIRE_FALSE(usage.reported);
}
