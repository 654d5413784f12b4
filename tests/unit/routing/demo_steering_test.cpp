// The demo honours json_object, json_schema and forced function calls, and refuses the rest
// with a 400 naming the field.
#include <catch2/catch.hpp>

#include "routing/providers/demo/demo_steering.h"

using namespace tollgate;
using namespace tollgate::routing::providers::demo;

namespace {

std::string param_of(const std::optional<core::Response>& refusal) {
  REQUIRE(refusal);
  REQUIRE(refusal->status == 400);
  auto at = refusal->body.find("\"param\":\"");
  REQUIRE(at != std::string::npos);
  auto start = at + 9;
  return refusal->body.substr(start, refusal->body.find('"', start) - start);
}

}  // namespace

TEST_CASE("a schema gets a sample it accepts") {
  REQUIRE(sample_for_schema(R"({"type":"object","properties":{"a":{"type":"string"},)"
                            R"("b":{"type":["integer","null"],"minimum":3},"c":{"enum":["x","y"]},)"
                            R"("d":{"type":"array","items":{"type":"boolean"},"minItems":1}}})") ==
          R"({"a":"demo","b":3,"c":"x","d":[false]})");
  REQUIRE(sample_for_schema(R"({"type":"string"})") == R"({"value":"demo"})");
  // Nesting up to the bound (16 levels) is filled.
  std::string deep;
  for (int i = 0; i < 14; ++i) deep += R"({"type":"object","properties":{"x":)";
  deep += "{}";
  for (int i = 0; i < 14; ++i) deep += "}}";
  REQUIRE_FALSE(sample_for_schema(deep).empty());
}

TEST_CASE("a schema the demo cannot fill whole is refused, not answered with nulls") {
  auto chat_with = [](const std::string& schema) {
    return R"({"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":)" +
           schema + "}}}";
  };
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += R"({"type":"object","properties":{"x":)";
  deep += R"({"type":"string"})";
  for (int i = 0; i < 40; ++i) deep += "}}";
  std::optional<core::Response> refusal;
  read_chat_steering(chat_with(deep), refusal);
  REQUIRE(param_of(refusal) == "response_format.json_schema.schema");
  refusal.reset();
  read_chat_steering(chat_with(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/A"}}})"),
                     refusal);
  REQUIRE(param_of(refusal) == "response_format.json_schema.schema");
  refusal.reset();
  read_responses_steering(
      R"({"text":{"format":{"type":"json_schema","name":"n","schema":)" + deep + "}}}", refusal);
  REQUIRE(param_of(refusal) == "text.format.schema");
}

TEST_CASE("chat: forced tools are called, auto answers in words, json_object is JSON") {
  std::optional<core::Response> refusal;
  std::string tools = R"("tools":[{"type":"function","function":{"name":"f","parameters":)"
                      R"({"type":"object","properties":{"q":{"type":"string"}}}}}])";
  auto forced = read_chat_steering(R"({"tool_choice":"required",)" + tools + "}", refusal);
  REQUIRE_FALSE(refusal);
  REQUIRE(forced.kind == Steering::Kind::tool_call);
  REQUIRE(forced.tool_name == "f");
  REQUIRE(forced.json == R"({"q":"demo"})");
  REQUIRE(read_chat_steering("{" + tools + "}", refusal).kind == Steering::Kind::text);
  auto json = read_chat_steering(R"({"response_format":{"type":"json_object"}})", refusal);
  REQUIRE(json.kind == Steering::Kind::json);
  REQUIRE_FALSE(refusal);
}

TEST_CASE("chat and responses refuse what the demo cannot honour, naming the field") {
  std::optional<core::Response> refusal;
  read_chat_steering(R"({"tools":[{"type":"custom","custom":{"name":"c"}}]})", refusal);
  REQUIRE(param_of(refusal) == "tools[0].type");
  refusal.reset();
  read_chat_steering(R"({"tool_choice":{"type":"function","function":{"name":"g"}}})", refusal);
  REQUIRE(param_of(refusal) == "tool_choice");
  refusal.reset();
  read_chat_steering(R"({"response_format":{"type":"xml"}})", refusal);
  REQUIRE(param_of(refusal) == "response_format.type");
  refusal.reset();
  read_responses_steering(R"({"tools":[{"type":"web_search"}]})", refusal);
  REQUIRE(param_of(refusal) == "tools[0].type");
  refusal.reset();
  read_responses_steering(R"({"tool_choice":{"type":"mcp","server_label":"x"}})", refusal);
  REQUIRE(param_of(refusal) == "tool_choice.type");
  refusal.reset();
  auto call = read_responses_steering(
      R"({"tools":[{"type":"function","name":"w","parameters":{"type":"object"}}],)"
      R"("tool_choice":{"type":"function","name":"w"}})",
      refusal);
  REQUIRE_FALSE(refusal);
  REQUIRE(call.kind == Steering::Kind::tool_call);
  REQUIRE(call.json == "{}");
}
