// Anthropic Messages → chat.completion, stop reasons → finish reasons, and Anthropic's
// errors → OpenAI's errors with the failure class the router acts on.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "routing/providers/anthropic/anthropic_response.h"

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

}  // namespace

TEST_CASE("a text answer with usage", "[anthropic]") {
  TranslatedAnswer a = translate_message(R"({"id":"msg_01","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
    "stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":10,"output_tokens":3,"cache_creation_input_tokens":4,"cache_read_input_tokens":6}})",
                                         context());
  REQUIRE(a.ok);
  auto body = json::parse(a.body).as_object();
  CHECK(body.at("id") == "chatcmpl-msg_01");
  CHECK(body.at("object") == "chat.completion");
  CHECK(body.at("created") == 1700000000);
  CHECK(body.at("model") == "claude-sonnet-4-5-20250929");
  auto& choice = body.at("choices").as_array()[0];
  CHECK(choice.at("index") == 0);
  CHECK(choice.at("finish_reason") == "stop");
  CHECK(choice.at("logprobs").is_null());
  CHECK(choice.at("message").at("role") == "assistant");
  CHECK(choice.at("message").at("content") == "Hello there");
  CHECK_FALSE(choice.at("message").as_object().contains("tool_calls"));
  auto& usage = body.at("usage");
  CHECK(usage.at("prompt_tokens") == 20);  // input + cache writes + cache reads
  CHECK(usage.at("completion_tokens") == 3);
  CHECK(usage.at("total_tokens") == 23);
  CHECK(usage.at("prompt_tokens_details").at("cached_tokens") == 6);
  CHECK(usage.at("prompt_tokens_details").at("cache_write_tokens") == 4);
  core::Usage u = a.usage.to_core();
  CHECK(u.prompt_tokens == 20);
  CHECK(u.completion_tokens == 3);
  CHECK(u.reported);
}

TEST_CASE("tool_use blocks become tool_calls", "[anthropic]") {
  TranslatedAnswer a = translate_message(R"({"id":"msg_02","type":"message","role":"assistant",
    "model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","n":1.5}}],
    "stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":7}})",
                                         context());
  REQUIRE(a.ok);
  auto body = json::parse(a.body).as_object();
  auto& message = body.at("choices").as_array()[0].at("message");
  CHECK(message.at("content").is_null());
  auto& call = message.at("tool_calls").as_array()[0];
  CHECK(call.at("id") == "toolu_1");
  CHECK(call.at("type") == "function");
  CHECK(call.at("function").at("name") == "get_weather");
  CHECK(call.at("function").at("arguments") == R"({"city":"Paris","n":1.5})");
  CHECK(body.at("choices").as_array()[0].at("finish_reason") == "tool_calls");
  CHECK_FALSE(body.at("usage").as_object().contains("prompt_tokens_details"));
}

TEST_CASE("stop reasons map to finish reasons", "[anthropic]") {
  CHECK(map_stop_reason("end_turn") == "stop");
  CHECK(map_stop_reason("stop_sequence") == "stop");
  CHECK(map_stop_reason("pause_turn") == "stop");
  CHECK(map_stop_reason("max_tokens") == "length");
  CHECK(map_stop_reason("model_context_window_exceeded") == "length");
  CHECK(map_stop_reason("tool_use") == "tool_calls");
  CHECK(map_stop_reason("refusal") == "content_filter");
  CHECK(map_stop_reason("something_new") == "stop");
  TranslatedAnswer a = translate_message(
      R"({"id":"m","type":"message","content":[],"stop_reason":"refusal","usage":{"input_tokens":1,"output_tokens":0}})",
      context());
  REQUIRE(a.ok);
  CHECK(a.refused);
  CHECK(a.finish_reason == "content_filter");
  CHECK(json::parse(a.body).at("choices").as_array()[0].at("message").at("content") == "");
}

TEST_CASE("a body that is not a Message is not an answer", "[anthropic]") {
  CHECK_FALSE(translate_message("<html>", context()).ok);
  CHECK_FALSE(translate_message(R"({"type":"error","error":{}})", context()).ok);
}

TEST_CASE("Anthropic errors map to OpenAI's shape, status and failure class", "[anthropic]") {
  using F = core::FailureClass;
  struct Case {
    int status;
    std::string_view type;
    std::string_view message;
    int out_status;
    F failure;
    std::string_view code;
  };
  for (const Case& c : std::initializer_list<Case>{
           {400, "invalid_request_error", "temperature: bad", 400, F::client_error,
            "invalid_request"},
           {400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", 400,
            F::context_length, "context_length_exceeded"},
           {401, "authentication_error", "invalid x-api-key", 401, F::credentials_refused,
            "invalid_api_key"},
           {403, "permission_error", "no access", 403, F::credentials_refused, "permission_denied"},
           {404, "not_found_error", "model: claude-nope", 404, F::client_error, "model_not_found"},
           {413, "request_too_large", "too big", 413, F::client_error, "request_too_large"},
           {429, "rate_limit_error", "slow down", 429, F::rate_limit, "rate_limit_exceeded"},
           {500, "api_error", "oops", 500, F::server_error, "server_error"},
           {529, "overloaded_error", "Overloaded", 503, F::server_error, "overloaded"},
           {504, "timeout_error", "timed out", 504, F::timeout, "upstream_timeout"},
       }) {
    std::string body = R"({"type":"error","error":{"type":")" + std::string(c.type) +
                       R"(","message":")" + std::string(c.message) + R"("},"request_id":"req_1"})";
    MappedError m = map_error(c.status, body, "7");
    INFO(c.type << " " << c.message);
    CHECK(m.failure == c.failure);
    CHECK(m.response.status == c.out_status);
    auto e = json::parse(m.response.body).at("error");
    CHECK(e.at("message").as_string() == c.message);
    CHECK(e.at("code").as_string() == c.code);
    CHECK(e.at("param").is_null());
    CHECK(m.response.headers.get("retry-after") ==
          (c.failure == F::rate_limit || c.failure == F::server_error ? "7" : ""));
  }
  CHECK(json::parse(
            map_error(429, R"({"type":"error","error":{"type":"rate_limit_error","message":"x"}})")
                .response.body)
            .at("error")
            .at("type") == "requests");
}

TEST_CASE("an answer that is not Anthropic's error is mapped by its status", "[anthropic]") {
  MappedError m = map_error(502, "<html>bad gateway</html>");
  CHECK(m.failure == core::FailureClass::server_error);
  CHECK(m.response.status == 502);
  CHECK(json::parse(m.response.body).at("error").at("type") == "server_error");
  m = map_error(529, "");
  CHECK(m.response.status == 503);
  m = map_error(401, "nope");
  CHECK(m.response.status == 401);
  // The gateway's key was refused: the proxy handler answers 502, never this 401.
  CHECK(m.failure == core::FailureClass::credentials_refused);
  CHECK(status_for_error_type("overloaded_error") == 529);
  CHECK(status_for_error_type("rate_limit_error") == 429);
  CHECK(status_for_error_type("whatever") == 500);
}
