// Gemini stream events → chat.completion.chunk events, usage, [DONE], blocked prompts and
// error events.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

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
