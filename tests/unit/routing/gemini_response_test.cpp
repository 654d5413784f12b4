// Whole Gemini answers → chat.completion: text, function calls, finish reasons, usage and
// blocked prompts.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

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
