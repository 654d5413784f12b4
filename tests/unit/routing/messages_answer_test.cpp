// OpenAI-shaped answers → Anthropic's Message and event stream (the ingress's edge).
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "routing/providers/anthropic/anthropic_tables.h"
#include "routing/providers/anthropic/messages_answer.h"

using namespace tollgate;
using namespace tollgate::routing::providers::anthropic;
namespace json = boost::json;

TEST_CASE("stop reasons read both ways from one table", "[anthropic][ingress]") {
  for (std::string_view reason : {"end_turn", "max_tokens", "tool_use", "refusal"}) {
    CHECK(stop_reason_for(map_stop_reason(reason)) == reason);
  }
  CHECK(stop_reason_for("function_call") == "tool_use");
  CHECK(stop_reason_for("something_new") == "end_turn");
}

TEST_CASE("ids become Anthropic's", "[anthropic][ingress]") {
  CHECK(message_id("chatcmpl-msg_01") == "msg_01");
  CHECK(message_id("chatcmpl-abc") == "msg_abc");
  CHECK(message_id("xyz") == "msg_xyz");
}

TEST_CASE("a chat.completion with text and a tool call becomes a Message", "[anthropic][ingress]") {
  auto m = translate_completion(R"({"id":"chatcmpl-1","object":"chat.completion","model":"gpt",
    "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","tool_calls":[{"id":"c1",
    "type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":10,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}})");
  REQUIRE(m);
  CHECK(json::parse(*m) == json::parse(R"({"id":"msg_1","type":"message","role":"assistant",
    "model":"gpt","content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"c1","name":"f",
    "input":{"a":1}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":6,
    "cache_creation_input_tokens":0,"cache_read_input_tokens":4,"output_tokens":3}})"));
  CHECK_FALSE(translate_completion(R"({"object":"list"})"));
  CHECK(openai_error_message(R"({"error":{"message":"nope","type":"x"}})") == "nope");
}

TEST_CASE("a chunk stream becomes Anthropic's events", "[anthropic][ingress]") {
  MessagesStream stream;
  std::vector<core::Chunk> out;
  stream.on_chunk(
      R"({"id":"chatcmpl-9","model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":"He"}}]})",
      out);
  stream.on_chunk(
      R"({"id":"chatcmpl-9","model":"gpt","choices":[{"index":0,"delta":{"content":"y"}}]})", out);
  stream.on_chunk(
      R"({"id":"chatcmpl-9","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":""}}]}}]})",
      out);
  stream.on_chunk(
      R"({"id":"chatcmpl-9","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
      out);
  stream.on_chunk(
      R"({"id":"chatcmpl-9","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})", out);
  stream.on_end(out);
  stream.on_end(out);  // once
  std::vector<std::string> names;
  for (const auto& c : out) names.push_back(c.event);
  CHECK(names == std::vector<std::string>{
                     "message_start", "ping", "content_block_start", "content_block_delta",
                     "content_block_delta", "content_block_stop", "content_block_start",
                     "content_block_delta", "content_block_stop", "message_delta", "message_stop"});
  CHECK(json::parse(out[0].data).at("message").at("id") == "msg_9");
  CHECK(json::parse(out[6].data).at("content_block") ==
        json::parse(R"({"type":"tool_use","id":"c1","name":"f","input":{}})"));
  json::value delta = json::parse(out[9].data);
  CHECK(delta.at("delta").at("stop_reason") == "tool_use");
  CHECK(delta.at("usage").at("input_tokens") == 5);
  CHECK(delta.at("usage").at("output_tokens") == 2);
}

TEST_CASE("an error chunk becomes an error event, and nothing follows", "[anthropic][ingress]") {
  MessagesStream stream;
  std::vector<core::Chunk> out;
  stream.on_chunk(R"({"id":"x","choices":[{"index":0,"delta":{"content":"a"}}]})", out);
  out.clear();
  stream.on_chunk(R"({"error":{"message":"slow","type":"server_error","code":"upstream_timeout"}})",
                  out);
  stream.on_end(out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].event == "error");
  CHECK(json::parse(out[0].data) ==
        json::parse(R"({"type":"error","error":{"type":"timeout_error","message":"slow"}})"));
}
