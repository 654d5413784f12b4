// Anthropic's stream events → OpenAI chat.completion.chunk payloads, in OpenAI's order.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "routing/providers/anthropic/anthropic_stream.h"

using namespace tollgate;
using namespace tollgate::routing::providers::anthropic;
namespace json = boost::json;

namespace {

AnswerContext context() {
  AnswerContext c;
  c.id = "chatcmpl-fallback";
  c.model = "claude-target";
  c.created = 1700000000;
  return c;
}

constexpr std::string_view kStart =
    R"({"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}})";

std::vector<std::string> feed(
    StreamTranslator& t,
    std::initializer_list<std::pair<std::string_view, std::string_view>> events) {
  std::vector<std::string> out;
  for (auto [name, data] : events) t.on_event(name, data, out);
  return out;
}

json::object delta_of(const std::string& chunk) {
  return json::parse(chunk).at("choices").as_array()[0].at("delta").as_object();
}

}  // namespace

TEST_CASE("a text stream: role, content, finish, usage when asked, [DONE]", "[anthropic]") {
  StreamTranslator t(context(), true);
  auto out = feed(
      t,
      {
          {"message_start", kStart},
          {"ping", R"({"type": "ping"})"},
          {"content_block_start",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}})"},
          {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
          {"message_delta",
           R"({"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":15}})"},
          {"message_stop", R"({"type":"message_stop"})"},
      });
  REQUIRE(out.size() == 6);
  auto first = json::parse(out[0]).as_object();
  CHECK(first.at("id") == "chatcmpl-msg_9");
  CHECK(first.at("object") == "chat.completion.chunk");
  CHECK(first.at("model") == "claude-x");
  CHECK(first.at("usage").is_null());
  CHECK(delta_of(out[0]).at("role") == "assistant");
  CHECK(delta_of(out[1]).at("content") == "Hello");
  CHECK(delta_of(out[2]).at("content") == " world");
  auto finish = json::parse(out[3]).at("choices").as_array()[0];
  CHECK(finish.at("finish_reason") == "length");
  CHECK(finish.at("delta").as_object().empty());
  auto usage = json::parse(out[4]).as_object();
  CHECK(usage.at("choices").as_array().empty());
  CHECK(usage.at("usage").at("prompt_tokens") == 25);
  CHECK(usage.at("usage").at("completion_tokens") == 15);
  CHECK(usage.at("usage").at("total_tokens") == 40);
  CHECK(out[5] == "[DONE]");
  CHECK(t.finished());
  CHECK(t.usage().to_core().completion_tokens == 15);
  CHECK(t.usage().to_core().reported);
}

TEST_CASE("without include_usage there is no usage chunk and no usage key", "[anthropic]") {
  StreamTranslator t(context(), false);
  auto out = feed(
      t,
      {
          {"", kStart},  // no event name: the payload's type decides
          {"",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
          {"",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})"},
          {"",
           R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}})"},
          {"", R"({"type":"message_stop"})"},
      });
  REQUIRE(out.size() == 4);
  CHECK_FALSE(json::parse(out[1]).as_object().contains("usage"));
  CHECK(json::parse(out[2]).at("choices").as_array()[0].at("finish_reason") == "stop");
  CHECK(out[3] == "[DONE]");
  CHECK(t.usage().to_core().completion_tokens == 2);  // the gateway still bills it
}

TEST_CASE("tool_use blocks stream as tool_calls deltas", "[anthropic]") {
  StreamTranslator t(context(), false);
  auto out = feed(
      t,
      {
          {"message_start", kStart},
          {"content_block_start",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}})"},
          {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
          {"content_block_start",
           R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"get_weather","input":{}}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}})"},
          {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
          {"content_block_start",
           R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_b","name":"noargs","input":{}}})"},
          {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
          {"message_delta",
           R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}})"},
          {"message_stop", R"({"type":"message_stop"})"},
      });
  REQUIRE(out.size() == 7);
  CHECK(delta_of(out[0]).at("role") == "assistant");
  auto call = delta_of(out[1]).at("tool_calls").as_array()[0];
  CHECK(call.at("index") == 0);
  CHECK(call.at("id") == "toolu_a");
  CHECK(call.at("type") == "function");
  CHECK(call.at("function").at("name") == "get_weather");
  CHECK(call.at("function").at("arguments") == "");
  CHECK(delta_of(out[2]).at("tool_calls").as_array()[0].at("function").at("arguments") ==
        "{\"city\": ");
  CHECK(delta_of(out[3]).at("tool_calls").as_array()[0].at("index") == 0);
  auto second = delta_of(out[4]).at("tool_calls").as_array()[0];
  CHECK(second.at("index") == 1);
  CHECK(second.at("id") == "toolu_b");
  CHECK(json::parse(out[5]).at("choices").as_array()[0].at("finish_reason") == "tool_calls");
  CHECK(out[6] == "[DONE]");
}

TEST_CASE("an error event before any output makes no chunk", "[anthropic]") {
  StreamTranslator t(context(), true);
  auto out = feed(
      t, {
             {"message_start", kStart},
             {"error",
              R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"},
             {"message_stop", R"({"type":"message_stop"})"},
         });
  CHECK(out.empty());
  CHECK_FALSE(t.started());
  REQUIRE(t.error());
  CHECK(t.error()->failure == core::FailureClass::server_error);
  CHECK(t.error()->response.status == 503);
  CHECK_FALSE(t.finished());
}

TEST_CASE("an error event after output stops the translation", "[anthropic]") {
  StreamTranslator t(context(), false);
  auto out = feed(
      t,
      {
          {"message_start", kStart},
          {"content_block_start",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})"},
          {"error", R"({"type":"error","error":{"type":"api_error","message":"Internal"}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}})"},
      });
  CHECK(out.size() == 2);
  CHECK(t.started());
  REQUIRE(t.error());
  CHECK(t.error()->response.status == 500);
}

TEST_CASE("a refusal finishes with content_filter", "[anthropic]") {
  StreamTranslator t(context(), false);
  auto out = feed(
      t,
      {
          {"message_start", kStart},
          {"message_delta",
           R"({"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":0}})"},
          {"message_stop", R"({"type":"message_stop"})"},
      });
  REQUIRE(out.size() == 3);
  CHECK(json::parse(out[1]).at("choices").as_array()[0].at("finish_reason") == "content_filter");
  CHECK(t.refused());
}
