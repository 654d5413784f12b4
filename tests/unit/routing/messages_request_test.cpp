// Anthropic Messages requests (the ingress) → OpenAI chat requests, field by field.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "routing/providers/anthropic/messages_request.h"

using namespace tollgate::routing::providers::anthropic;
namespace json = boost::json;

namespace {

json::value translated(std::string_view body, bool count_tokens = false) {
  IngressRequest r = translate_messages_request(body, count_tokens);
  INFO(r.param << ": " << r.message);
  REQUIRE(r.ok);
  return json::parse(r.body);
}

IngressRequest refused(std::string_view body) {
  IngressRequest r = translate_messages_request(body, false);
  REQUIRE_FALSE(r.ok);
  return r;
}

}  // namespace

TEST_CASE("system, turns, stop sequences and sampling", "[anthropic][ingress]") {
  json::value v = translated(R"({"model":"m","max_tokens":9,"system":"Be brief.",
    "messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"text","text":"Yo"}]}],
    "stop_sequences":["X"],"temperature":0.5,"top_p":0.9,"top_k":3,"metadata":{"user_id":"u1"}})");
  CHECK(v == json::parse(R"({"model":"m","messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":"Hi"},{"role":"assistant","content":"Yo"}],"max_tokens":9,"stop":["X"],
    "temperature":0.5,"top_p":0.9,"top_k":3,"user":"u1"})"));
}

TEST_CASE("streams ask for usage; count_tokens needs no max_tokens", "[anthropic][ingress]") {
  json::value v = translated(
      R"({"model":"m","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"a"}]})");
  CHECK(v.at("stream") == true);
  CHECK(v.at("stream_options") == json::parse(R"({"include_usage":true})"));
  json::value c = translated(R"({"model":"m","messages":[{"role":"user","content":"a"}]})", true);
  CHECK_FALSE(c.as_object().contains("max_tokens"));
}

TEST_CASE("tools, tool use and tool results", "[anthropic][ingress]") {
  json::value v = translated(R"({"model":"m","max_tokens":5,
    "tools":[{"name":"f","description":"d","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"tool","name":"f","disable_parallel_tool_use":true},
    "messages":[{"role":"user","content":"go"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},
        {"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,
        "content":[{"type":"text","text":"bad"}]},{"type":"text","text":"and?"}]}]})");
  CHECK(
      v.at("tools") ==
      json::parse(
          R"([{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}])"));
  CHECK(v.at("tool_choice") == json::parse(R"({"type":"function","function":{"name":"f"}})"));
  CHECK(v.at("parallel_tool_calls") == false);
  CHECK(v.at("messages") == json::parse(R"([{"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
    {"role":"tool","tool_call_id":"t1","content":"Error: bad"},{"role":"user","content":"and?"}])"));
}

TEST_CASE("images and documents become OpenAI parts", "[anthropic][ingress]") {
  json::value v = translated(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAA"}},
    {"type":"image","source":{"type":"url","url":"https://x/y.png"}},
    {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVB"},"title":"t.pdf"}]}]})");
  CHECK(v.at("messages").at(0).at("content") == json::parse(R"([
    {"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}},
    {"type":"image_url","image_url":{"url":"https://x/y.png"}},
    {"type":"file","file":{"file_data":"data:application/pdf;base64,JVB","filename":"t.pdf"}}])"));
}

TEST_CASE("thinking becomes a reasoning effort by its budget", "[anthropic][ingress]") {
  auto effort = [](std::string_view thinking) {
    std::string body =
        R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a"}],"thinking":)" +
        std::string(thinking) + "}";
    json::value v = translated(body);
    const json::value* e = v.as_object().if_contains("reasoning_effort");
    return e ? std::string(e->as_string()) : std::string();
  };
  CHECK(effort(R"({"type":"enabled","budget_tokens":1024})") == "low");
  CHECK(effort(R"({"type":"enabled","budget_tokens":10000})") == "medium");
  CHECK(effort(R"({"type":"enabled","budget_tokens":32000})") == "high");
  CHECK(effort(R"({"type":"disabled"})").empty());
}

TEST_CASE("what cannot be translated is refused naming the field", "[anthropic][ingress]") {
  CHECK(refused(R"({"model":"m","messages":[{"role":"user","content":"a"}]})").param ==
        "max_tokens");
  CHECK(refused(R"({"model":"m","max_tokens":1,"messages":[]})").param == "messages");
  CHECK(refused(R"({"model":"m","max_tokens":1,"messages":[{"role":"system","content":"a"}]})")
            .param == "messages[0].role");
  CHECK(refused("[1]").param.empty());
}

TEST_CASE("what only Anthropic takes is kept aside, naming the first field",
          "[anthropic][ingress]") {
  auto only = [](std::string_view body) {
    IngressRequest r = translate_messages_request(body, false);
    REQUIRE(r.ok);
    REQUIRE_FALSE(r.extras.empty());
    return r;
  };
  IngressRequest tools =
      only(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"}],
    "tools":[{"name":"f","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search","max_uses":2}]})");
  CHECK(tools.only_param == "tools[1].type");
  CHECK(
      json::parse(tools.extras).at("tools") ==
      json::parse(
          R"([{"at":1,"tool":{"type":"web_search_20250305","name":"web_search","max_uses":2}}])"));
  CHECK(json::parse(tools.body).at("tools").as_array().size() == 1);  // the custom tool
  IngressRequest mcp = only(
      R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"}],"mcp_servers":[{"url":"u"}]})");
  CHECK(mcp.only_param == "mcp_servers");
  CHECK(json::parse(mcp.extras).at("fields") == json::parse(R"({"mcp_servers":[{"url":"u"}]})"));
  CHECK(only(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
    {"type":"text","text":"a"},{"type":"tool_use","id":"x","name":"f","input":{}}]}]})")
            .only_param == "messages[0].content[1].type");
}

TEST_CASE("thinking blocks and `thinking` are kept for Claude, dropped for the others",
          "[anthropic][ingress]") {
  IngressRequest r = translate_messages_request(R"({"model":"m","max_tokens":99,
    "thinking":{"type":"enabled","budget_tokens":2048},
    "messages":[{"role":"user","content":"a"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"S1"},
        {"type":"redacted_thinking","data":"D"},{"type":"text","text":"b"}]},
      {"role":"user","content":"c"}]})",
                                                false);
  REQUIRE(r.ok);
  CHECK(r.only_param.empty());  // nothing here a non-Anthropic model cannot take
  json::value extras = json::parse(r.extras);
  CHECK(extras.at("fields") ==
        json::parse(R"({"thinking":{"type":"enabled","budget_tokens":2048}})"));
  CHECK(extras.at("blocks") == json::parse(R"([
    {"role":"assistant","turn":0,"at":0,"block":{"type":"thinking","thinking":"hm","signature":"S1"}},
    {"role":"assistant","turn":0,"at":1,"block":{"type":"redacted_thinking","data":"D"}}])"));
  json::value body = json::parse(r.body);
  CHECK(body.at("messages").at(1) == json::parse(R"({"role":"assistant","content":"b"})"));
  CHECK(body.at("reasoning_effort") == "low");
}

TEST_CASE("prompt caching marks are noted where they sit", "[anthropic][ingress]") {
  IngressRequest r = translate_messages_request(R"({"model":"m","max_tokens":9,
    "system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],
    "tools":[{"name":"f","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
    "messages":[{"role":"user","content":[{"type":"text","text":"a"},
      {"type":"text","text":"b","cache_control":{"type":"ephemeral","ttl":"1h"}}]},
      {"role":"assistant","content":[{"type":"text","text":"c","citations":[{"type":"x"}]}]}]})",
                                                false);
  REQUIRE(r.ok);
  CHECK(r.only_param.empty());
  CHECK(json::parse(r.extras).at("marks") == json::parse(R"([
    {"in":"system","turn":0,"at":0,"cache_control":{"type":"ephemeral"}},
    {"in":"tools","turn":0,"at":0,"cache_control":{"type":"ephemeral"}},
    {"in":"user","turn":0,"at":1,"cache_control":{"type":"ephemeral","ttl":"1h"}},
    {"in":"assistant","turn":0,"at":0,"citations":[{"type":"x"}]}])"));
}
