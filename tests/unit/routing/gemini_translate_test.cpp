// OpenAI chat ⇄ Gemini: the request translation field by field, the 400s for fields with
// no equivalent, answers, stream events, finish reasons and errors.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"

using namespace tollgate;
namespace gemini = routing::providers::gemini;
namespace json = boost::json;

namespace {

json::value translated(std::string_view openai) {
  gemini::TranslatedRequest t = gemini::translate_request(openai);
  INFO(t.message);
  REQUIRE(t.ok);
  return json::parse(t.body);
}

gemini::TranslatedRequest refused(std::string_view openai) {
  gemini::TranslatedRequest t = gemini::translate_request(openai);
  REQUIRE_FALSE(t.ok);
  return t;
}

gemini::AnswerContext context() {
  gemini::AnswerContext c;
  c.id = "chatcmpl-1";
  c.model = "gemini-2.5-flash";
  c.created = 1700000000;
  return c;
}

}  // namespace

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

TEST_CASE("JSON mode and json_schema", "[gemini]") {
  json::value json_object = translated(
      R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  REQUIRE(json_object.at("generationConfig") ==
          json::parse(R"({"responseMimeType":"application/json"})"));

  json::value schema = translated(R"({"messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"p","strict":true,"schema":{
      "type":"object","properties":{"who":{"$ref":"#/$defs/person"}},"required":["who"],
      "additionalProperties":false,
      "$defs":{"person":{"type":"object","properties":{"age":{"type":"integer","minimum":0}}}}}}}})");
  REQUIRE(schema.at("generationConfig") == json::parse(R"({"responseMimeType":"application/json",
    "responseSchema":{"type":"OBJECT","properties":{"who":{"type":"OBJECT",
      "properties":{"age":{"type":"INTEGER","minimum":0}}}},"required":["who"]}})"));

  auto recursive = refused(R"({"messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"t","schema":{
      "$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
        "next":{"$ref":"#/$defs/node"}}}}}}}})");
  REQUIRE(recursive.param == "response_format.json_schema.schema");

  auto union_type = refused(R"({"messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"t","schema":{
      "type":["string","integer"]}}}})");
  REQUIRE(union_type.param == "response_format.json_schema.schema");
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

TEST_CASE("a whole answer becomes a chat.completion with usage", "[gemini]") {
  auto answer = gemini::translate_response(R"({"candidates":[{"content":{"parts":[
      {"text":"thinking...","thought":true},{"text":"Hello"},{"text":" there"}],"role":"model"},
      "finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3,"thoughtsTokenCount":2,
      "totalTokenCount":12},"modelVersion":"gemini-2.5-flash"})",
                                           context());
  REQUIRE(answer.ok);
  REQUIRE(answer.usage.reported);
  REQUIRE(answer.usage.prompt_tokens == 7);
  REQUIRE(answer.usage.completion_tokens == 5);
  REQUIRE_FALSE(answer.content_filtered);
  REQUIRE(json::parse(answer.body) == json::parse(R"({"id":"chatcmpl-1","object":"chat.completion",
    "created":1700000000,"model":"gemini-2.5-flash","choices":[{"index":0,
    "message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,
    "finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12,
    "completion_tokens_details":{"reasoning_tokens":2}}})"));
}

TEST_CASE("function calls become tool_calls with generated ids", "[gemini]") {
  auto answer = gemini::translate_response(R"({"candidates":[{"content":{"parts":[
      {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"}],
      "role":"model"},"finishReason":"STOP"}]})",
                                           context());
  json::value body = json::parse(answer.body);
  const json::value& message = body.at("choices").at(0).at("message");
  REQUIRE(message.at("content").is_null());
  const json::value& call = message.at("tool_calls").at(0);
  std::string id(call.at("id").as_string());
  REQUIRE(id.starts_with("call_"));
  REQUIRE(id.ends_with(".ts.c2ln"));
  REQUIRE(call.at("type") == "function");
  REQUIRE(call.at("function").at("name") == "get_weather");
  REQUIRE(json::parse(call.at("function").at("arguments").as_string()) ==
          json::parse(R"({"city":"Paris"})"));
  REQUIRE(body.at("choices").at(0).at("finish_reason") == "tool_calls");
  REQUIRE_FALSE(body.as_object().contains("usage"));
}

TEST_CASE("finish reasons", "[gemini]") {
  REQUIRE(gemini::map_finish_reason("STOP", false) == "stop");
  REQUIRE(gemini::map_finish_reason("STOP", true) == "tool_calls");
  REQUIRE(gemini::map_finish_reason("", false) == "stop");
  REQUIRE(gemini::map_finish_reason("MAX_TOKENS", true) == "length");
  for (auto reason : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}) {
    REQUIRE(gemini::map_finish_reason(reason, false) == "content_filter");
  }
  REQUIRE(gemini::map_finish_reason("OTHER", false) == "stop");

  auto filtered = gemini::translate_response(
      R"({"candidates":[{"content":{"parts":[{"text":"par"}]},"finishReason":"SAFETY"}]})",
      context());
  REQUIRE(filtered.content_filtered);
  REQUIRE(json::parse(filtered.body).at("choices").at(0).at("finish_reason") == "content_filter");
}

TEST_CASE("a blocked prompt answers no candidate", "[gemini]") {
  auto answer = gemini::translate_response(
      R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4}})",
      context());
  REQUIRE(answer.ok);
  REQUIRE(answer.blocked == "SAFETY");
  core::Response r = gemini::blocked_prompt_response(answer.blocked);
  REQUIRE(r.status == 400);
  REQUIRE(json::parse(r.body).at("error").at("code") == "content_filter");
  REQUIRE_FALSE(gemini::translate_response("<html>", context()).ok);
}

TEST_CASE("stream events become chunks: role, text, tool calls, finish, usage, [DONE]",
          "[gemini]") {
  gemini::StreamTranslator t(context(), true);
  std::vector<std::string> out;
  t.on_event(
      R"({"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],
    "usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}})",
      out);
  REQUIRE(out.size() == 2);
  json::value role = json::parse(out[0]);
  REQUIRE(role.at("object") == "chat.completion.chunk");
  REQUIRE(role.at("choices").at(0).at("delta") ==
          json::parse(R"({"role":"assistant","content":""})"));
  REQUIRE(role.at("choices").at(0).at("finish_reason").is_null());
  REQUIRE(json::parse(out[1]).at("choices").at(0).at("delta") ==
          json::parse(R"({"content":"Hel"})"));

  out.clear();
  t.on_event(R"({"candidates":[{"content":{"parts":[{"text":"lo"},
    {"functionCall":{"name":"f","args":{"a":1}}}],"role":"model"},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":4,"totalTokenCount":9}})",
             out);
  REQUIRE(out.size() == 2);
  json::value calls = json::parse(out[1]).at("choices").at(0).at("delta").at("tool_calls");
  REQUIRE(calls.at(0).at("index") == 0);
  REQUIRE(std::string(calls.at(0).at("id").as_string()).starts_with("call_"));
  REQUIRE(calls.at(0).at("function").at("arguments") == R"({"a":1})");

  out.clear();
  t.finish(out);
  REQUIRE(out.size() == 3);
  json::value finish = json::parse(out[0]);
  REQUIRE(finish.at("choices").at(0).at("delta") == json::object{});
  REQUIRE(finish.at("choices").at(0).at("finish_reason") == "tool_calls");
  json::value usage = json::parse(out[1]);
  REQUIRE(usage.at("choices") == json::array{});
  REQUIRE(usage.at("usage") ==
          json::parse(R"({"prompt_tokens":5,"completion_tokens":4,"total_tokens":9})"));
  REQUIRE(out[2] == "[DONE]");
  REQUIRE(t.usage().reported);
  REQUIRE(t.usage().completion_tokens == 4);
}

// Found by tests/fuzz/gemini_fuzz.cpp: a count Boost.JSON cannot convert exactly to an
// int64 (a fraction, a number past INT64_MAX) threw out of the translator, and the client's
// connection was dropped mid-answer instead of getting it.
TEST_CASE("token counts that are not exact integers do not throw", "[gemini]") {
  std::string_view body =
      R"({"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":7.5,"candidatesTokenCount":18446744073709551615,
    "thoughtsTokenCount":1e30,"totalTokenCount":12}})";
  gemini::TranslatedAnswer answer;
  REQUIRE_NOTHROW(answer = gemini::translate_response(body, context()));
  REQUIRE(answer.ok);
  REQUIRE(answer.usage.reported);
  gemini::StreamTranslator t(context(), true);
  std::vector<std::string> out;
  REQUIRE_NOTHROW(t.on_event(body, out));
  REQUIRE_FALSE(out.empty());
}

TEST_CASE("without include_usage no usage chunk; SAFETY ends with content_filter", "[gemini]") {
  gemini::StreamTranslator t(context(), false);
  std::vector<std::string> out;
  t.on_event(
      R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"SAFETY"}],
    "usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1}})",
      out);
  t.finish(out);
  REQUIRE(out.size() == 4);
  REQUIRE(json::parse(out[2]).at("choices").at(0).at("finish_reason") == "content_filter");
  REQUIRE(out[3] == "[DONE]");
  REQUIRE(t.content_filtered());
  REQUIRE(t.usage().reported);
}

TEST_CASE("a stream's blocked prompt and error events", "[gemini]") {
  gemini::StreamTranslator blocked(context(), false);
  std::vector<std::string> out;
  blocked.on_event(R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}})", out);
  REQUIRE(out.empty());
  REQUIRE(blocked.blocked() == "PROHIBITED_CONTENT");

  gemini::StreamTranslator failing(context(), false);
  failing.on_event(
      R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})", out);
  REQUIRE(out.empty());
  REQUIRE(failing.error());
  REQUIRE(failing.error()->failure == core::FailureClass::server_error);
}

TEST_CASE("errors map to OpenAI's shape and a failure class", "[gemini]") {
  struct Case {
    int status;
    const char* body;
    core::FailureClass failure;
    int out_status;
    const char* code;
  };
  for (
      const Case& c : std::vector<Case>{
          {400,
           R"({"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}})",
           core::FailureClass::client_error, 400, "invalid_request"},
          {400,
           R"({"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}})",
           core::FailureClass::context_length, 400, "context_length_exceeded"},
          {400,
           R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}})",
           core::FailureClass::credentials_refused, 401, "invalid_api_key"},
          {401, R"({"error":{"code":401,"message":"no","status":"UNAUTHENTICATED"}})",
           core::FailureClass::credentials_refused, 401, "invalid_api_key"},
          {403, R"({"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}})",
           core::FailureClass::credentials_refused, 403, "permission_denied"},
          {404, R"({"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}})",
           core::FailureClass::client_error, 404, "model_not_found"},
          {429, R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}})",
           core::FailureClass::rate_limit, 429, "rate_limit_exceeded"},
          {500, R"({"error":{"code":500,"message":"oops","status":"INTERNAL"}})",
           core::FailureClass::server_error, 500, "server_error"},
          {503,
           R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})",
           core::FailureClass::server_error, 503, "service_unavailable"},
          {504, R"({"error":{"code":504,"message":"late","status":"DEADLINE_EXCEEDED"}})",
           core::FailureClass::timeout, 504, "upstream_timeout"},
          {502, "<html>bad gateway</html>", core::FailureClass::server_error, 502, "server_error"},
      }) {
    INFO(c.body);
    gemini::MappedError m = gemini::map_error(c.status, c.body);
    REQUIRE(m.failure == c.failure);
    REQUIRE(m.response.status == c.out_status);
    json::value error = json::parse(m.response.body).at("error");
    REQUIRE(error.at("code") == c.code);
    REQUIRE(error.at("message").is_string());
    REQUIRE(error.at("type").is_string());
    REQUIRE(error.at("param").is_null());
  }
}

TEST_CASE("a 429's retry delay becomes retry-after", "[gemini]") {
  gemini::MappedError m = gemini::map_error(
      429,
      R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"6.2s"}]}})");
  REQUIRE(m.response.headers.get("retry-after") == "7");
  gemini::MappedError header = gemini::map_error(429, "{}", "3");
  REQUIRE(header.response.headers.get("retry-after") == "3");
}

// Found by tests/fuzz/gemini_fuzz.cpp (UBSan, float-cast-overflow): numbers past the
// integer's range were cast to it. A retry delay of 1e300 seconds came out as
// "retry-after: -9223372036854775807" on x86; a client's dimensions: 1e300 was the same
// undefined cast.
TEST_CASE("numbers past an integer's range are never cast to it", "[gemini]") {
  auto delay = [](std::string_view value) {
    std::string body = R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
      "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" +
                       std::string(value) + R"("}]}})";
    return std::string(gemini::map_error(429, body).response.headers.get("retry-after"));
  };
  CHECK(delay("1e300s") == "1000000000");
  CHECK(delay("infs") == "1000000000");
  CHECK(delay("nans").empty());
  CHECK(delay("-1s").empty());
  CHECK(delay("100000s") == "100000");

  auto huge = gemini::translate_embeddings_request(R"({"input":"x","dimensions":1e300})", "m");
  REQUIRE_FALSE(huge.ok);
  CHECK(huge.param == "dimensions");
  CHECK(gemini::translate_embeddings_request(R"({"input":"x","dimensions":4.0})", "m").ok);
}

TEST_CASE("embeddings: inputs become batchEmbedContents requests", "[gemini]") {
  auto t = gemini::translate_embeddings_request(
      R"({"model":"emb","input":["alpha","beta"],"dimensions":4,"encoding_format":"base64","user":"u"})",
      "text-embedding-004");
  REQUIRE(t.ok);
  REQUIRE(t.base64);
  REQUIRE(json::parse(t.body) == json::parse(R"({"requests":[
    {"model":"models/text-embedding-004","content":{"parts":[{"text":"alpha"}]},"outputDimensionality":4},
    {"model":"models/text-embedding-004","content":{"parts":[{"text":"beta"}]},"outputDimensionality":4}]})"));
  REQUIRE(gemini::embed_target("", "models/text-embedding-004") ==
          "/v1beta/models/text-embedding-004:batchEmbedContents");
  auto tokens = gemini::translate_embeddings_request(R"({"input":[[1,2,3]]})", "m");
  REQUIRE_FALSE(tokens.ok);
  REQUIRE(tokens.param == "input");
  auto other = gemini::translate_embeddings_request(R"({"input":"x","extra":1})", "m");
  REQUIRE(other.param == "extra");
}

TEST_CASE("embeddings: the answer as floats or base64 float32", "[gemini]") {
  std::string body = R"({"embeddings":[{"values":[0.5,-1]},{"values":[0.25,2]}]})";
  json::value floats =
      json::parse(gemini::translate_embeddings_response(body, "text-embedding-004", false, 3));
  REQUIRE(floats.at("object") == "list");
  REQUIRE(floats.at("data").at(1).at("index") == 1);
  REQUIRE(floats.at("data").at(1).at("embedding") == json::parse("[0.25,2]"));
  REQUIRE(floats.at("usage") == json::parse(R"({"prompt_tokens":3,"total_tokens":3})"));
  json::value b64 =
      json::parse(gemini::translate_embeddings_response(body, "text-embedding-004", true, 3));
  // 0.5f = 00 00 00 3f, -1.0f = 00 00 80 bf (little-endian).
  REQUIRE(b64.at("data").at(0).at("embedding") == "AAAAPwAAgL8=");
  REQUIRE(gemini::translate_embeddings_response("{}", "m", false, 1).empty());
}

// Found by tests/fuzz/gemini_fuzz.cpp: Boost.JSON reads 1e999 as infinity, and the list
// went to the client with `Infinity` in it, which no JSON parser accepts.
TEST_CASE("an embedding value JSON cannot carry is not an embedding list", "[gemini]") {
  std::string body = R"({"embeddings":[{"values":[0.5,1e999]}]})";
  REQUIRE(gemini::translate_embeddings_response(body, "m", false, 1).empty());
  REQUIRE(gemini::translate_embeddings_response(R"({"embeddings":[{"values":[0.5,"x"]}]})", "m",
                                                false, 1)
              .empty());
}
