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

using routing::providers::answer_text_bytes;

TEST_CASE("answer text is counted in every OpenAI shape a client gets") {
  // Chat chunks: content, reasoning, refusal, tool names and arguments; not ids or roles.
  REQUIRE(
      answer_text_bytes(R"({"id":"chatcmpl-123456","object":"chat.completion.chunk",)"
                        R"("choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},)"
                        R"("finish_reason":null}]})") == 5);
  REQUIRE(answer_text_bytes(
              R"({"choices":[{"delta":{"reasoning_content":"abc","refusal":"no"}}]})") == 5);
  REQUIRE(answer_text_bytes(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1",)"
                            R"("function":{"name":"get","arguments":"{\"a\":1}"}}]}}]})") == 10);
  // Escapes count as the text they stand for.
  REQUIRE(answer_text_bytes(R"({"choices":[{"delta":{"content":"a\nb\u00e9"}}]})") == 5);
  // Completions, whole chat answers (content as a string or as parts), several choices.
  REQUIRE(answer_text_bytes(R"({"choices":[{"text":"abcd"},{"text":"ef"}]})") == 6);
  REQUIRE(answer_text_bytes(R"({"choices":[{"message":{"content":"whole answer"}}]})") == 12);
  REQUIRE(answer_text_bytes(
              R"({"choices":[{"message":{"content":[{"type":"text","text":"abc"}]}}]})") == 3);
  // Responses API deltas (text, tool arguments), whatever the member order; not the
  // events that repeat the whole text.
  REQUIRE(answer_text_bytes(R"({"type":"response.output_text.delta","delta":"Hi there"})") == 8);
  REQUIRE(answer_text_bytes(
              R"({"delta":"{\"x\"","type":"response.function_call_arguments.delta"})") == 4);
  REQUIRE(answer_text_bytes(R"({"type":"response.output_text.done","text":"Hi there"})") == 0);
  REQUIRE(answer_text_bytes(R"({"type":"response.completed","response":{"output":[]}})") == 0);
}

TEST_CASE("nothing is counted in what is not an answer") {
  REQUIRE(answer_text_bytes("[DONE]") == 0);
  REQUIRE(answer_text_bytes("") == 0);
  REQUIRE(answer_text_bytes(R"({"error":{"message":"a long error message"}})") == 0);
  REQUIRE(answer_text_bytes(R"({"choices":[{"delta":{"content":"abc"}}],)") == 0);  // malformed
  REQUIRE(answer_text_bytes(R"({"choices":[{"delta":{"content":["x"]}}]})") == 0);
  REQUIRE(answer_text_bytes(R"({"choices":"text","delta":"no type"})") == 0);
}

namespace {

core::Exchange answered(std::int64_t text_bytes, bool streamed, bool ended) {
  core::Exchange exchange;
  exchange.json.prompt_chars = 40;  // 10 tokens
  exchange.status = 200;
  exchange.attempts = 1;
  exchange.streamed = streamed;
  exchange.stream_ended = ended;
  exchange.answer_text_bytes = text_bytes;
  return exchange;
}

}  // namespace

TEST_CASE("usage the provider never gave is estimated, and only then") {
  SECTION("a stream cut before its usage: prompt and relayed completion, four bytes a token") {
    core::Exchange exchange = answered(401, true, false);
    core::complete_usage(exchange);
    REQUIRE(exchange.usage.prompt_tokens == 10);
    REQUIRE(exchange.usage.completion_tokens == 101);
    REQUIRE(exchange.usage.estimated);
    core::complete_usage(exchange);  // once more changes nothing
    REQUIRE(exchange.usage.completion_tokens == 101);
  }
  SECTION("usage reported before the cut (Anthropic's message_start) is raised to the relayed") {
    core::Exchange exchange = answered(400, true, false);
    exchange.usage = {12, 1, true};
    core::complete_usage(exchange);
    REQUIRE(exchange.usage.prompt_tokens == 12);
    REQUIRE(exchange.usage.completion_tokens == 100);
    REQUIRE(exchange.usage.estimated);
  }
  SECTION("a stream the provider failed mid-way is cut, a filtered one is whole") {
    core::Exchange failed = answered(400, true, true);
    failed.usage = {12, 1, true};
    failed.failure = core::FailureClass::server_error;
    core::complete_usage(failed);
    REQUIRE(failed.usage.completion_tokens == 100);
    core::Exchange filtered = answered(400, true, true);
    filtered.usage = {12, 30, true};
    filtered.failure = core::FailureClass::content_filter;
    core::complete_usage(filtered);
    REQUIRE(filtered.usage.completion_tokens == 30);
    REQUIRE_FALSE(filtered.usage.estimated);
  }
  SECTION("a whole stream with usage keeps the provider's figures, even below the estimate") {
    core::Exchange exchange = answered(4000, true, true);
    exchange.usage = {12, 30, true};
    core::complete_usage(exchange);
    REQUIRE(exchange.usage.completion_tokens == 30);
    REQUIRE_FALSE(exchange.usage.estimated);
  }
  SECTION("no answer from a provider, nothing estimated") {
    core::Exchange refused = answered(0, false, false);
    refused.status = 429;
    refused.attempts = 0;
    core::complete_usage(refused);
    REQUIRE(refused.usage.total() == 0);
    REQUIRE_FALSE(refused.usage.estimated);
    core::Exchange own = answered(100, false, false);  // the model list, a cache hit
    own.attempts = 0;
    core::complete_usage(own);
    REQUIRE(own.usage.total() == 0);
    core::Exchange failed = answered(0, false, false);
    failed.status = 502;
    core::complete_usage(failed);
    REQUIRE(failed.usage.total() == 0);
  }
}
