// JSON mode, and JSON Schema (response_format, tool parameters) → Gemini's Schema subset.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

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
