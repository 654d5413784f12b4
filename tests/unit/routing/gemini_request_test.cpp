// OpenAI chat requests → Gemini GenerateContentRequest, field by field, and the 400s for
// fields with no equivalent.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

TEST_CASE("system messages become systemInstruction, roles become user and model", "[gemini]") {
  json::value body = translated(R"({"model":"m","messages":[
    {"role":"system","content":"be brief"},
    {"role":"developer","content":[{"type":"text","text":"and kind"}]},
    {"role":"user","content":"hi"},
    {"role":"assistant","content":"hello"},
    {"role":"user","content":[{"type":"text","text":"again"}]}]})");
  REQUIRE(body.at("systemInstruction") ==
          json::parse(R"({"parts":[{"text":"be brief"},{"text":"and kind"}]})"));
  REQUIRE(body.at("contents") == json::parse(R"([
    {"role":"user","parts":[{"text":"hi"}]},
    {"role":"model","parts":[{"text":"hello"}]},
    {"role":"user","parts":[{"text":"again"}]}])"));
  REQUIRE_FALSE(body.as_object().contains("generationConfig"));
}

TEST_CASE("sampling fields map to generationConfig", "[gemini]") {
  json::value body = translated(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "temperature":0.5,"top_p":0.9,"max_tokens":100,"stop":["END","STOP"],"seed":7,
    "presence_penalty":0.1,"frequency_penalty":0.2,"n":2,"top_k":40})");
  const json::object& g = body.at("generationConfig").as_object();
  REQUIRE(g.at("temperature").to_number<double>() == 0.5);
  REQUIRE(g.at("topP").to_number<double>() == 0.9);
  REQUIRE(g.at("maxOutputTokens").to_number<int>() == 100);
  REQUIRE(g.at("stopSequences") == json::parse(R"(["END","STOP"])"));
  REQUIRE(g.at("seed").to_number<int>() == 7);
  REQUIRE(g.at("presencePenalty").to_number<double>() == 0.1);
  REQUIRE(g.at("frequencyPenalty").to_number<double>() == 0.2);
  REQUIRE(g.at("candidateCount").to_number<int>() == 2);
  REQUIRE(g.at("topK").to_number<int>() == 40);

  json::value single = translated(
      R"({"messages":[{"role":"user","content":"x"}],"stop":"END","max_completion_tokens":9,"n":1})");
  REQUIRE(single.at("generationConfig") ==
          json::parse(R"({"stopSequences":["END"],"maxOutputTokens":9})"));
}

TEST_CASE("images: data URIs become inlineData, URLs fileData with a guessed type", "[gemini]") {
  json::value body = translated(R"({"messages":[{"role":"user","content":[
    {"type":"text","text":"what is this?"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
    {"type":"image_url","image_url":{"url":"https://example.com/cat.webp?size=2","detail":"low"}},
    {"type":"image_url","image_url":{"url":"https://example.com/photo"}}]}]})");
  REQUIRE(body.at("contents").at(0).at("parts") == json::parse(R"([
    {"text":"what is this?"},
    {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
    {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cat.webp?size=2"}},
    {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/photo"}}])"));

  auto bad = refused(
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]})");
  REQUIRE(bad.param == "messages[0].content[0].image_url.url");
}

TEST_CASE("tools, tool_choice, tool calls and tool results", "[gemini]") {
  json::value body = translated(R"({"messages":[
    {"role":"user","content":"weather in Paris and Rome?"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
    {"role":"tool","tool_call_id":"call_a","content":"{\"temp\":21}"},
    {"role":"tool","tool_call_id":"call_b","content":"sunny"}],
   "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
     "strict":true,"parameters":{"type":"object","properties":{"city":{"type":"string","description":"City"},
     "unit":{"type":["string","null"],"enum":["c","f"]}},"required":["city"],"additionalProperties":false}}},
     {"type":"function","function":{"name":"now","parameters":{"type":"object","properties":{}}}}],
   "tool_choice":"required","parallel_tool_calls":true})");
  REQUIRE(body.at("contents") == json::parse(R"([
    {"role":"user","parts":[{"text":"weather in Paris and Rome?"}]},
    {"role":"model","parts":[
      {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
      {"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}]},
    {"role":"user","parts":[
      {"functionResponse":{"name":"get_weather","response":{"temp":21}}},
      {"functionResponse":{"name":"get_weather","response":{"content":"sunny"}}}]}])"));
  REQUIRE(body.at("tools") == json::parse(R"([{"functionDeclarations":[
    {"name":"get_weather","description":"Weather now","parameters":{"type":"OBJECT",
      "properties":{"city":{"type":"STRING","description":"City"},
                    "unit":{"type":"STRING","nullable":true,"enum":["c","f"],"format":"enum"}},
      "required":["city"]}},
    {"name":"now"}]}])"));
  REQUIRE(body.at("toolConfig") == json::parse(R"({"functionCallingConfig":{"mode":"ANY"}})"));
}

TEST_CASE("tool_choice modes", "[gemini]") {
  auto config = [](std::string_view choice) {
    std::string req = R"({"messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":)";
    req += choice;
    req += "}";
    return translated(req).at("toolConfig").at("functionCallingConfig");
  };
  REQUIRE(config(R"("auto")") == json::parse(R"({"mode":"AUTO"})"));
  REQUIRE(config(R"("none")") == json::parse(R"({"mode":"NONE"})"));
  REQUIRE(config(R"({"type":"function","function":{"name":"f"}})") ==
          json::parse(R"({"mode":"ANY","allowedFunctionNames":["f"]})"));
}

TEST_CASE("a tool result needs an earlier call with its id", "[gemini]") {
  auto t = refused(R"({"messages":[{"role":"user","content":"x"},
    {"role":"tool","tool_call_id":"call_zz","content":"1"}]})");
  REQUIRE(t.param == "messages[1].tool_call_id");
}

TEST_CASE("a thought signature carried in a tool call id goes back to Gemini", "[gemini]") {
  json::value body = translated(R"({"messages":[{"role":"user","content":"x"},
    {"role":"assistant","tool_calls":[{"id":"call_q.ts.c2ln","type":"function",
      "function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_q.ts.c2ln","content":"ok"}]})");
  REQUIRE(body.at("contents").at(1).at("parts").at(0) ==
          json::parse(R"({"functionCall":{"name":"f","args":{}},"thoughtSignature":"c2ln"})"));
}

TEST_CASE("fields with no equivalent are refused, naming the field", "[gemini]") {
  const char* base = R"({"messages":[{"role":"user","content":"x"}],)";
  for (auto [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"logprobs", "true"},
           {"top_logprobs", "2"},
           {"logit_bias", R"({"50256":-100})"},
           {"parallel_tool_calls", "false"},
           {"audio", R"({"voice":"alloy","format":"wav"})"},
           {"modalities", R"(["text","audio"])"},
           {"prediction", R"({"type":"content","content":"x"})"},
           {"reasoning_effort", R"("low")"},
           {"functions", R"([{"name":"f"}])"},
           {"web_search_options", "{}"},
           {"store", "true"},
           {"made_up_field", "1"}}) {
    auto t = refused(std::string(base) + "\"" + field + "\":" + value + "}");
    REQUIRE(t.param == field);
    REQUIRE(t.message.find(field) != std::string::npos);
    core::Response r = gemini::unsupported_field_response(t);
    REQUIRE(r.status == 400);
    json::value error = json::parse(r.body).at("error");
    REQUIRE(error.at("param") == json::value(field));
    REQUIRE(error.at("type") == "invalid_request_error");
  }
  // Their harmless values, and nulls, pass.
  translated(R"({"messages":[{"role":"user","content":"x"}],"logprobs":false,"logit_bias":{},
    "parallel_tool_calls":true,"user":"u1","metadata":{"a":"b"},"store":false,
    "modalities":["text"],"temperature":null,"stream_options":null})");
  // A message's name has no equivalent either.
  auto named = refused(R"({"messages":[{"role":"user","name":"bob","content":"x"}]})");
  REQUIRE(named.param == "messages[0].name");
  auto no_turn = refused(R"({"messages":[{"role":"system","content":"x"}]})");
  REQUIRE(no_turn.param == "messages");
}

TEST_CASE("the call's path", "[gemini]") {
  REQUIRE(gemini::generate_target("", "gemini-2.5-flash", false) ==
          "/v1beta/models/gemini-2.5-flash:generateContent");
  REQUIRE(gemini::generate_target("/proxy", "models/gemini-2.5-pro", true) ==
          "/proxy/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
  REQUIRE(gemini::generate_target("/v1beta", "x y", false) ==
          "/v1beta/models/x%20y:generateContent");
}
