// The request body reader: what it extracts, what it rejects, and byte-exact splicing.
#include <catch2/catch.hpp>

#include "gateway/core/request_json.h"

using namespace tollgate::core;

namespace {
RequestJson parse_ok(std::string body) {
  RequestJson json;
  auto result = parse_request_json(body, json);
  INFO(result.error);
  REQUIRE(result.ok);
  return json;
}
bool rejects(std::string body) {
  RequestJson json;
  return !parse_request_json(body, json).ok;
}
}  // namespace

TEST_CASE("reads the fields the gateway acts on") {
  auto json = parse_ok(R"({"model":"gpt-4o","stream":true,"max_tokens":50,
    "stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello"}]})");
  REQUIRE(json.model == "gpt-4o");
  REQUIRE(json.stream);
  REQUIRE(json.has_messages);
  REQUIRE(json.has_stream_options);
  REQUIRE(json.include_usage);
  REQUIRE(json.max_tokens == 50);
  REQUIRE(json.prompt_chars == std::string("user").size() + std::string("hello").size());
}

TEST_CASE("a missing model is not a parse error; the handler names it") {
  auto json = parse_ok(R"({"messages":[]})");
  REQUIRE_FALSE(json.model);
}

TEST_CASE("malformed JSON anywhere in the document is rejected") {
  REQUIRE(rejects(""));
  REQUIRE(rejects("{"));
  REQUIRE(rejects(R"({"model":"x",})"));
  REQUIRE(rejects(R"({"model":"x","messages":[{"content":"a"]})"));
  REQUIRE(rejects(R"({"model":"x","deep":{"a":[1,2,tru]}})"));
  REQUIRE(rejects(R"({"model":"x"} trailing)"));
  REQUIRE(rejects(R"({"model":"x","s":"bad \q escape"})"));
  REQUIRE(rejects("[1,2]"));
  REQUIRE(rejects(R"({"model":42})"));
  REQUIRE(rejects(R"({"model":"x","stream":"yes"})"));
  REQUIRE(rejects("{\"model\":\"\xff\xfe\"}"));
}

TEST_CASE("splicing replaces only the model token") {
  std::string body =
      R"({ "temperature": 0.5, "model" : "alias", "messages":[{"role":"user","content":"x"}] })";
  auto json = parse_ok(body);
  std::string out = splice_request_body(body, json, "real-model", false);
  REQUIRE(
      out ==
      R"({ "temperature": 0.5, "model" : "real-model", "messages":[{"role":"user","content":"x"}] })");
}

TEST_CASE("splicing escapes the new model and can ask for stream usage") {
  std::string body = R"({"model":"a","stream":true,"messages":[]})";
  auto json = parse_ok(body);
  std::string out = splice_request_body(body, json, "we\"ird", true);
  REQUIRE(
      out ==
      R"({"stream_options":{"include_usage":true},"model":"we\"ird","stream":true,"messages":[]})");
  REQUIRE_FALSE(rejects(out));
}
