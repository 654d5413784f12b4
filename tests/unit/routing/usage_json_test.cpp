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

TEST_CASE("usage of a whole Responses API answer, details included") {
  core::Usage usage;
  auto facts =
      read_usage(R"({"id":"resp_1","object":"response","output":[],"usage":{"input_tokens":36,)"
                 R"("input_tokens_details":{"cached_tokens":20},"output_tokens":87,)"
                 R"("output_tokens_details":{"reasoning_tokens":50},"total_tokens":123}})",
                 usage);
  REQUIRE(facts.has_usage);
  REQUIRE(usage.prompt_tokens == 36);
  REQUIRE(usage.completion_tokens == 87);  // reasoning is part of it, not added again
  REQUIRE(usage.cached_tokens == 20);
  REQUIRE(usage.reasoning_tokens == 50);
  REQUIRE(usage.reported);
}

TEST_CASE("usage of a Responses API stream sits in the response of its last event") {
  core::Usage usage;
  REQUIRE_FALSE(read_usage(R"({"type":"response.created","sequence_number":0,)"
                           R"("response":{"id":"resp_1","status":"in_progress","usage":null}})",
                           usage)
                    .has_usage);
  REQUIRE_FALSE(
      read_usage(R"({"type":"response.output_text.delta","delta":"\"usage\""})", usage).has_usage);
  REQUIRE_FALSE(usage.reported);
  for (std::string_view end : {"response.completed", "response.incomplete", "response.failed"}) {
    core::Usage last;
    std::string event = R"({"type":")" + std::string(end) +
                        R"(","sequence_number":9,"response":{"id":"resp_1","output":[{"type":)"
                        R"("message","content":[{"type":"output_text","text":"hi"}]}],)"
                        R"("usage":{"input_tokens":4,"output_tokens":300,"total_tokens":304}}})";
    auto facts = read_usage(event, last);
    REQUIRE(facts.has_usage);
    REQUIRE_FALSE(facts.usage_only);  // never hidden from the client
    REQUIRE(last.prompt_tokens == 4);
    REQUIRE(last.completion_tokens == 300);
    REQUIRE(last.reported);
  }
}

TEST_CASE("a negative count takes nothing off, and a malformed body changes nothing") {
  core::Usage usage;
  read_usage(R"({"usage":{"prompt_tokens":-5,"completion_tokens":-1000000}})", usage);
  REQUIRE(usage.prompt_tokens == 0);
  REQUIRE(usage.completion_tokens == 0);
  core::Usage kept;
  kept.completion_tokens = 7;
  REQUIRE_FALSE(read_usage(R"({"usage":{"completion_tokens":900},"choices":[)", kept).has_usage);
  REQUIRE(kept.completion_tokens == 7);
  REQUIRE_FALSE(kept.reported);
}
