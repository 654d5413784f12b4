// OpenAI chat requests translated to Anthropic's Messages API, and the 400s for what has
// no equivalent.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "gateway/core/json_limits.h"
#include "routing/providers/anthropic/anthropic_request.h"

using namespace tollgate::routing::providers::anthropic;
namespace json = boost::json;

namespace {

json::object translate_ok(std::string_view body, std::string_view model = "claude-test") {
  TranslatedRequest t = translate_request(body, model);
  INFO(t.param << ": " << t.message);
  REQUIRE(t.ok);
  return json::parse(t.body, {}, tollgate::core::bounded_json_options()).as_object();
}

TranslatedRequest refused(std::string_view body) {
  TranslatedRequest t = translate_request(body, "claude-test");
  REQUIRE_FALSE(t.ok);
  return t;
}

}  // namespace

TEST_CASE("system prompt, multi-turn and the default max_tokens", "[anthropic]") {
  auto out = translate_ok(R"({"model":"alias","messages":[
    {"role":"system","content":"Be brief."},
    {"role":"user","content":"Hi"},
    {"role":"assistant","content":"Hello!"},
    {"role":"user","content":[{"type":"text","text":"How are you?"}]}]})");
  CHECK(out.at("model") == "claude-test");
  CHECK(out.at("system") == "Be brief.");
  CHECK(out.at("max_tokens") == kDefaultMaxTokens);
  auto& messages = out.at("messages").as_array();
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].at("role") == "user");
  CHECK(messages[0].at("content") == "Hi");
  CHECK(messages[1].at("role") == "assistant");
  CHECK(messages[1].at("content") == "Hello!");
  CHECK(messages[2].at("content") == "How are you?");
  CHECK_FALSE(out.contains("stream"));
  // Key order reads well: model, system, messages, max_tokens first.
  TranslatedRequest t = translate_request(
      R"({"messages":[{"role":"user","content":"x"}],"model":"m"})", "claude-test");
  CHECK(t.body.starts_with(R"({"model":"claude-test","messages":)"));
}

TEST_CASE("several system and developer messages become system blocks in order", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[
    {"role":"system","content":"One."},
    {"role":"user","content":"Hi"},
    {"role":"developer","content":[{"type":"text","text":"Two."}]}]})");
  auto& system = out.at("system").as_array();
  REQUIRE(system.size() == 2);
  CHECK(system[0].at("text") == "One.");
  CHECK(system[1].at("text") == "Two.");
  CHECK(out.at("messages").as_array().size() == 1);
}

TEST_CASE("max_tokens, max_completion_tokens, sampling and stop", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "max_tokens":100,"temperature":0.7,"top_p":0.9,"stop":"END"})");
  CHECK(out.at("max_tokens") == 100);
  CHECK(out.at("temperature").as_double() == 0.7);
  CHECK(out.at("top_p").as_double() == 0.9);
  CHECK(out.at("stop_sequences") == json::array{"END"});
  TranslatedRequest t = translate_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.7})", "c");
  CHECK(t.body.find(R"("temperature":0.7)") != std::string::npos);  // not Boost's 7E-1

  out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "max_completion_tokens":50,"max_tokens":100,"stop":["a","b"]})");
  CHECK(out.at("max_tokens") == 50);
  CHECK(out.at("stop_sequences") == json::array{"a", "b"});

  auto t2 =
      refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.5})");
  CHECK(t2.param == "temperature");
  CHECK(
      refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})").param ==
      "max_tokens");
}

TEST_CASE("images as URLs and as data URIs", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"text","text":"What is this?"},
    {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
    {"type":"image_url","image_url":{"url":"data:image/jpg;base64,QUJD"}}]}]})");
  auto& content = out.at("messages").as_array()[0].at("content").as_array();
  REQUIRE(content.size() == 3);
  CHECK(content[1].at("type") == "image");
  CHECK(content[1].at("source") ==
        json::object{{"type", "url"}, {"url", "https://example.com/cat.png"}});
  CHECK(content[2].at("source") ==
        json::object{{"type", "base64"}, {"media_type", "image/jpeg"}, {"data", "QUJD"}});

  auto t = refused(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"data:image/bmp;base64,QUJD"}}]}]})");
  CHECK(t.param == "messages[0].content[0].image_url.url");
  t = refused(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"input_audio","input_audio":{"data":"x","format":"wav"}}]}]})");
  CHECK(t.param == "messages[0].content[0].type");
}

TEST_CASE("a PDF file part becomes a document block", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBE"}}]}]})");
  auto& block = out.at("messages").as_array()[0].at("content").as_array()[0];
  CHECK(block.at("type") == "document");
  CHECK(block.at("title") == "a.pdf");
  CHECK(block.at("source").at("media_type") == "application/pdf");
  CHECK(refused(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"file","file":{"file_id":"file-1"}}]}]})")
            .param == "messages[0].content[0].file.file_id");
}

TEST_CASE("tools and every tool_choice", "[anthropic]") {
  std::string tools = R"("tools":[{"type":"function","function":{"name":"get_weather",
    "description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
    {"type":"function","function":{"name":"noargs"}}])";
  auto base = [&](std::string_view extra) {
    return std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") + tools +
           std::string(extra) + "}";
  };
  auto out = translate_ok(base(""));
  auto& t = out.at("tools").as_array();
  REQUIRE(t.size() == 2);
  CHECK(t[0].at("name") == "get_weather");
  CHECK(t[0].at("description") == "Weather now");
  CHECK(t[0].at("input_schema").at("properties").as_object().contains("city"));
  CHECK(t[1].at("input_schema") ==
        json::object{{"type", "object"}, {"properties", json::object{}}});
  CHECK_FALSE(out.contains("tool_choice"));

  CHECK(translate_ok(base(R"(,"tool_choice":"auto")")).at("tool_choice") ==
        json::object{{"type", "auto"}});
  CHECK(translate_ok(base(R"(,"tool_choice":"none")")).at("tool_choice") ==
        json::object{{"type", "none"}});
  CHECK(translate_ok(base(R"(,"tool_choice":"required")")).at("tool_choice") ==
        json::object{{"type", "any"}});
  CHECK(translate_ok(base(R"(,"tool_choice":{"type":"function","function":{"name":"noargs"}})"))
            .at("tool_choice") == json::object{{"type", "tool"}, {"name", "noargs"}});
  CHECK(translate_ok(base(R"(,"parallel_tool_calls":false)")).at("tool_choice") ==
        json::object{{"type", "auto"}, {"disable_parallel_tool_use", true}});
  CHECK(translate_ok(base(R"(,"tool_choice":"required","parallel_tool_calls":false)"))
            .at("tool_choice") ==
        json::object{{"type", "any"}, {"disable_parallel_tool_use", true}});
  CHECK(refused(base(R"(,"tool_choice":{"type":"allowed_tools","allowed_tools":{}})")).param ==
        "tool_choice.type");
}

TEST_CASE("assistant tool calls and tool results, consecutive results in one user turn",
          "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[
    {"role":"user","content":"Weather in Paris and Rome?"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\",\"t\":1.5}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"18C"},
    {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
    {"role":"user","content":"Thanks"}]})");
  auto& messages = out.at("messages").as_array();
  REQUIRE(messages.size() == 3);
  auto& assistant = messages[1].at("content").as_array();
  REQUIRE(assistant.size() == 2);
  CHECK(assistant[0].at("type") == "tool_use");
  CHECK(assistant[0].at("id") == "call_1");
  CHECK(assistant[0].at("name") == "get_weather");
  CHECK(assistant[0].at("input") == json::object{{"city", "Paris"}});
  CHECK(assistant[1].at("input").at("t").as_double() == 1.5);
  auto& results = messages[2].at("content").as_array();
  REQUIRE(results.size() == 3);
  CHECK(results[0].at("type") == "tool_result");
  CHECK(results[0].at("tool_use_id") == "call_1");
  CHECK(results[0].at("content") == "18C");
  CHECK(results[1].at("tool_use_id") == "call_2");
  CHECK(results[1].at("content").as_array()[0].at("text") == "21C");
  CHECK(results[2].at("type") == "text");  // the user's words follow the results

  auto t = refused(R"({"model":"m","messages":[{"role":"user","content":"x"},
    {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"not json"}}]}]})");
  CHECK(t.param == "messages[1].tool_calls[0].function.arguments");
}

TEST_CASE("JSON mode: json_object as an instruction, json_schema as structured outputs",
          "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  auto& system = out.at("system").as_array();
  REQUIRE(system.size() == 2);
  CHECK(system[1].at("text").as_string() == kJsonObjectInstruction);
  CHECK_FALSE(out.contains("output_config"));

  out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,
    "schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}}}})");
  auto& format = out.at("output_config").at("format");
  CHECK(format.at("type") == "json_schema");
  CHECK(format.at("schema").at("required") == json::array{"a"});
  CHECK_FALSE(out.contains("system"));

  CHECK(translate_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"text"}})")
            .size() == 3);
  CHECK(refused(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"a"}}})")
            .param == "response_format.json_schema.schema");
}

TEST_CASE("fields with no equivalent get a 400 naming them; neutral values pass", "[anthropic]") {
  auto with = [](std::string_view field) {
    return std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}],)") +
           std::string(field) + "}";
  };
  for (auto [field, param] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {R"("n":2)", "n"},
           {R"("logprobs":true)", "logprobs"},
           {R"("top_logprobs":3)", "top_logprobs"},
           {R"("presence_penalty":0.5)", "presence_penalty"},
           {R"("frequency_penalty":-1)", "frequency_penalty"},
           {R"("logit_bias":{"50256":-100})", "logit_bias"},
           {R"("seed":42)", "seed"},
           {R"("store":true)", "store"},
           {R"("audio":{"voice":"alloy","format":"wav"})", "audio"},
           {R"("modalities":["text","audio"])", "modalities"},
           {R"("prediction":{"type":"content","content":"x"})", "prediction"},
           {R"("reasoning_effort":"high")", "reasoning_effort"},
           {R"("service_tier":"flex")", "service_tier"},
           {R"("functions":[{"name":"f"}])", "functions"},
           {R"("web_search_options":{})", "web_search_options"},
           {R"("no_such_field":1)", "no_such_field"},
       }) {
    TranslatedRequest t = translate_request(with(field), "c");
    INFO(field);
    REQUIRE_FALSE(t.ok);
    CHECK(t.param == param);
    CHECK(t.message.find(std::string(param)) != std::string::npos);
    auto response = refusal_response(t);
    CHECK(response.status == 400);
    CHECK(response.body.find(R"("param":")" + std::string(param) + "\"") != std::string::npos);
  }
  for (std::string_view field :
       {R"("n":1)", R"("logprobs":false)", R"("presence_penalty":0)", R"("frequency_penalty":0.0)",
        R"("logit_bias":{})", R"("seed":null)", R"("store":false)", R"("service_tier":"auto")",
        R"("modalities":["text"])", R"("metadata":{"a":"b"})", R"("prompt_cache_key":"k")"}) {
    INFO(field);
    CHECK(translate_request(with(field), "c").ok);
  }
}

TEST_CASE("user becomes metadata.user_id; stream flags are read", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],"user":"u-1",
    "stream":true,"stream_options":{"include_usage":true}})");
  CHECK(out.at("metadata") == json::object{{"user_id", "u-1"}});
  CHECK(out.at("stream") == true);
  TranslatedRequest t = translate_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}})",
      "c");
  CHECK(t.stream);
  CHECK(t.include_usage);
}

TEST_CASE("a prompt cache breakpoint becomes cache_control", "[anthropic]") {
  auto out = translate_ok(R"({"model":"m","messages":[{"role":"system","content":[
    {"type":"text","text":"Long rules","prompt_cache_breakpoint":{"mode":"explicit"}}]},
    {"role":"user","content":"x"}]})");
  auto& system = out.at("system").as_array();
  CHECK(system[0].at("cache_control") == json::object{{"type", "ephemeral"}});
}

TEST_CASE("bad messages are refused with their path", "[anthropic]") {
  CHECK(refused(R"({"model":"m","messages":[]})").param == "messages");
  CHECK(refused(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})").param ==
        "messages[0].role");
  CHECK(
      refused(R"({"model":"m","messages":[{"role":"function","name":"f","content":"x"}]})").param ==
      "messages[0].role");
  CHECK(refused(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})").param ==
        "messages[0].tool_call_id");
  CHECK(refused("not json").ok == false);
}

TEST_CASE("the messages path under the base URL", "[anthropic]") {
  CHECK(messages_target("") == "/v1/messages");
  CHECK(messages_target("/v1") == "/v1/messages");
  CHECK(messages_target("/anthropic/") == "/anthropic/v1/messages");
}

TEST_CASE("a tool schema nested past Boost.JSON's default 32 levels still translates",
          "[anthropic]") {
  // The edge accepts up to server.max_json_depth (128 by default); the translation must
  // not refuse what the edge let through.
  std::string schema;
  for (int i = 0; i < 40; ++i) schema += R"({"type":"object","properties":{"a":)";
  schema += R"({"type":"string"})";
  for (int i = 0; i < 40; ++i) schema += "}}";
  std::string body =
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":)" +
      schema + "}}]}";
  auto out = translate_ok(body);
  CHECK(out.at("tools").as_array().size() == 1);
}
