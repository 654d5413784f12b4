// An anthropic target's answer to an Anthropic client, through the chat form the stages read
// and back: thinking (with its signature), redacted thinking, server tool blocks and
// citations come out as the provider sent them, in order, whole and streamed; an OpenAI
// client's chat form never carries them.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "routing/providers/anthropic/anthropic_response.h"
#include "routing/providers/anthropic/anthropic_stream.h"
#include "routing/providers/anthropic/anthropic_tables.h"
#include "routing/providers/anthropic/messages_answer.h"
#include "routing/providers/anthropic/messages_extras.h"

using namespace tollgate;
using namespace tollgate::routing::providers::anthropic;
namespace json = boost::json;

namespace {

AnswerContext context(bool keep) {
  AnswerContext c;
  c.id = "chatcmpl-fallback";
  c.model = "claude-target";
  c.created = 1700000000;
  c.keep_blocks = keep;
  return c;
}

constexpr std::string_view kContent = R"([
  {"type":"thinking","thinking":"Let me think.","signature":"EuYBCkQYAiJA+/="},
  {"type":"redacted_thinking","data":"EmwKAhgBEgy3"},
  {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},
  {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://e.com","title":"T","encrypted_content":"Eq","page_age":null}]},
  {"type":"text","text":"Cited.","citations":[{"type":"web_search_result_location","url":"https://e.com","title":"T","encrypted_index":"Eo","cited_text":"c"}]},
  {"type":"text","text":" Plain é."},
  {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}])";

std::string message(std::string_view stop_reason) {
  return R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":)" +
         std::string(kContent) + R"(,"stop_reason":")" + std::string(stop_reason) +
         R"(","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":4}})";
}

}  // namespace

TEST_CASE("a whole answer keeps every block for an Anthropic client", "[anthropic][ingress]") {
  TranslatedAnswer chat = translate_message(message("tool_use"), context(true));
  REQUIRE(chat.ok);
  json::value body = json::parse(chat.body);
  CHECK(body.at("choices").at(0).at("message").at("content") == "Cited. Plain é.");
  auto back = translate_completion(chat.body);
  REQUIRE(back);
  json::value m = json::parse(*back);
  CHECK(m.at("content") == json::parse(kContent));
  CHECK(m.at("stop_reason") == "tool_use");

  // An OpenAI client's chat form carries none of it.
  TranslatedAnswer plain = translate_message(message("tool_use"), context(false));
  CHECK(plain.body.find(kKeptMember) == std::string::npos);
  CHECK(plain.body.find("signature") == std::string::npos);
  // Nor is it read from a provider of another kind, which could put anything there.
  json::value other = json::parse(*translate_completion(chat.body, false));
  CHECK(other.at("content").as_array().size() == 2);  // the text, the tool call
}

TEST_CASE("text a stage changed goes whole in the first text block", "[anthropic][ingress]") {
  TranslatedAnswer chat = translate_message(message("pause_turn"), context(true));
  json::value body = json::parse(chat.body);
  body.at("choices").at(0).at("message").as_object()["content"] = "Restored a@b.example text";
  json::value m = json::parse(*translate_completion(json::serialize(body)));
  const json::array& content = m.at("content").as_array();
  REQUIRE(content.size() == 6);
  CHECK(content[0].at("signature") == "EuYBCkQYAiJA+/=");
  CHECK(content[4] == json::parse(R"({"type":"text","text":"Restored a@b.example text"})"));
  CHECK(content[5].at("type") == "tool_use");
  CHECK(m.at("stop_reason") == "pause_turn");  // the provider's own, still true
  // A stage that ended the answer otherwise has the last word.
  body.at("choices").at(0).as_object()["finish_reason"] = "content_filter";
  CHECK(json::parse(*translate_completion(json::serialize(body))).at("stop_reason") == "refusal");
}

TEST_CASE("a stream keeps every block, its deltas and indices", "[anthropic][ingress]") {
  std::vector<std::pair<std::string, std::string>> events = {
      {"message_start",
       R"({"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hm."}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EuYB+/="}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"Emw"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"type":"web_search_result_location","url":"u","title":"t","encrypted_index":"E","cited_text":"c"}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Hi"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":3,"content_block":{"type":"text","text":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":" there"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":3})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":4,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":4,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":4})"},
      {"message_delta",
       R"({"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":9}})"},
      {"message_stop", R"({"type":"message_stop"})"},
  };
  StreamTranslator translator(context(true), true);
  MessagesStream stream;
  std::vector<core::Chunk> out;
  for (const auto& [name, data] : events) {
    std::vector<std::string> chunks;
    translator.on_event(name, data, chunks);
    for (const auto& chunk : chunks) {
      if (chunk != "[DONE]") stream.on_chunk(chunk, out);
    }
  }
  stream.on_end(out);
  std::vector<json::value> want, got;
  for (const auto& [name, data] : events) {
    if (name.starts_with("content_block")) want.push_back(json::parse(data));
  }
  for (const auto& e : out) {
    if (e.event.starts_with("content_block")) got.push_back(json::parse(e.data));
  }
  CHECK(got == want);
  json::value delta = json::parse(out.at(out.size() - 2).data);
  CHECK(delta.at("delta") ==
        json::parse(R"({"stop_reason":"stop_sequence","stop_sequence":"END"})"));

  // An OpenAI client's chunks carry none of it.
  StreamTranslator openai(context(false), true);
  std::vector<std::string> chunks;
  for (const auto& [name, data] : events) openai.on_event(name, data, chunks);
  for (const auto& chunk : chunks) CHECK(chunk.find(kKeptMember) == std::string::npos);
}

TEST_CASE("a changed request gets the client's Anthropic-only pieces back",
          "[anthropic][ingress]") {
  std::string extras =
      R"({"fields":{"thinking":{"type":"enabled","budget_tokens":2048},"mcp_servers":[]},
    "tools":[{"at":0,"tool":{"type":"web_search_20250305","name":"web_search"}}],
    "blocks":[{"role":"assistant","turn":0,"at":0,"block":{"type":"thinking","thinking":"t","signature":"S"}}]})";
  CHECK(json::parse(without_translated_extras(
            R"({"model":"m","reasoning_effort":"low","messages":[]})", extras)) ==
        json::parse(R"({"model":"m","messages":[]})"));
  std::string restored = restore_extras(R"({"model":"m","max_tokens":5,
    "tools":[{"name":"f","input_schema":{"type":"object"}}],
    "messages":[{"role":"user","content":"[EMAIL_1]"},
      {"role":"assistant","content":[{"type":"tool_use","id":"x","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":"ok"}]}]})",
                                        extras);
  CHECK(json::parse(restored) == json::parse(R"({"model":"m","max_tokens":5,
    "tools":[{"type":"web_search_20250305","name":"web_search"},{"name":"f","input_schema":{"type":"object"}}],
    "messages":[{"role":"user","content":"[EMAIL_1]"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"S"},
        {"type":"tool_use","id":"x","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":"ok"}]}],
    "thinking":{"type":"enabled","budget_tokens":2048},"mcp_servers":[]})"));
}

TEST_CASE("what a stage releases into a block's opening chunk lands in the blocks before",
          "[anthropic][ingress]") {
  // Interleaved thinking with pii holding a call's arguments until the next block opens.
  constexpr std::string_view kThinking =
      R"("x_tollgate_anthropic":{"start":{"type":"thinking","thinking":"","signature":""}})";
  MessagesStream stream;
  std::vector<core::Chunk> out;
  auto chunk = [&](std::string_view delta) {
    stream.on_chunk(R"({"id":"chatcmpl-1","model":"m","choices":[{"index":0,"delta":{)" +
                        std::string(delta) + "}}]}",
                    out);
  };
  chunk(kThinking);
  chunk(R"("tool_calls":[{"index":0,"id":"t1","function":{"name":"f","arguments":""}}])");
  chunk(R"("tool_calls":[{"index":0,"function":{"arguments":"{}"}}],)" + std::string(kThinking));
  stream.on_end(out);
  std::vector<std::string> seen;
  for (const auto& e : out) {
    if (!e.event.starts_with("content_block")) continue;
    json::value v = json::parse(e.data);
    std::string what = e.event.substr(14) + " " + std::to_string(v.at("index").as_int64());
    if (e.event == "content_block_start") {
      what += std::string(" ") + v.at("content_block").at("type").as_string().c_str();
    }
    seen.push_back(what);
  }
  CHECK(seen == std::vector<std::string>{"start 0 thinking", "stop 0", "start 1 tool_use",
                                         "delta 1", "stop 1", "start 2 thinking", "stop 2"});
}

TEST_CASE("prompt caching marks come back where the client put them", "[anthropic][ingress]") {
  std::string extras = R"({"marks":[
    {"in":"system","turn":0,"at":0,"cache_control":{"type":"ephemeral"}},
    {"in":"tools","turn":0,"at":1,"cache_control":{"type":"ephemeral","ttl":"1h"}},
    {"in":"user","turn":1,"at":0,"cache_control":{"type":"ephemeral"}},
    {"in":"assistant","turn":0,"at":0,"citations":[{"type":"x"}]}]})";
  std::string restored = restore_extras(R"({"system":"Be terse.",
    "tools":[{"name":"a","input_schema":{}},{"name":"b","input_schema":{}}],
    "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},
      {"role":"user","content":"[EMAIL_1]"}]})",
                                        extras);
  json::value v = json::parse(restored);
  CHECK(
      v.at("system") ==
      json::parse(R"([{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral"}}])"));
  CHECK(v.at("tools").at(1).at("cache_control").at("ttl") == "1h");
  CHECK_FALSE(v.at("tools").at(0).as_object().contains("cache_control"));
  CHECK(
      v.at("messages").at(2).at("content") ==
      json::parse(R"([{"type":"text","text":"[EMAIL_1]","cache_control":{"type":"ephemeral"}}])"));
  CHECK(v.at("messages").at(0).at("content") == "hi");
  CHECK(v.at("messages").at(1).at("content") ==
        json::parse(R"([{"type":"text","text":"yo","citations":[{"type":"x"}]}])"));
}
