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

TEST_CASE("deep nesting is refused by counting levels, not by running out of stack") {
  // 150,000 '[' once overflowed the stack in the recursive walk, before authentication.
  std::string deep = R"({"model":"x","messages":)" + std::string(150000, '[');
  RequestJson json;
  auto result = parse_request_json(deep, json);
  REQUIRE_FALSE(result.ok);

  // Closed properly too, and inside any field, even one the gateway does not read.
  std::string closed =
      R"({"model":"x","other":)" + std::string(150000, '[') + std::string(150000, ']') + "}";
  result = parse_request_json(closed, json);
  REQUIRE_FALSE(result.ok);
  REQUIRE(result.error.find("deeper than 128 levels") != std::string::npos);
  std::string objects = R"({"model":"x","o":)";
  for (int i = 0; i < 3000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(3000, '}') + "}";
  REQUIRE(rejects(objects));
}

TEST_CASE("nesting up to the limit is accepted, one more level is not") {
  auto nested = [](std::size_t levels) {
    // The root object is level 1; "v" holds levels - 1 arrays.
    return R"({"model":"x","v":)" + std::string(levels - 1, '[') + std::string(levels - 1, ']') +
           "}";
  };
  std::string at_limit = nested(128);
  RequestJson json;
  REQUIRE(parse_request_json(at_limit, json).ok);
  std::string past_limit = nested(129);
  REQUIRE_FALSE(parse_request_json(past_limit, json).ok);
  std::string configured = nested(10);
  REQUIRE_FALSE(parse_request_json(configured, json, 9).ok);
  REQUIRE(parse_request_json(configured, json, 10).ok);
}

TEST_CASE("a key given twice in any object is refused") {
  // The gateway and the provider could read different values of one field.
  RequestJson json;
  std::string twice = R"({"model":"expensive","messages":[],"model":"allowed"})";
  auto result = parse_request_json(twice, json);
  REQUIRE_FALSE(result.ok);
  REQUIRE(result.error.find("\"model\" appears twice") != std::string::npos);
  REQUIRE(rejects(R"({"model":"m","stream":false,"stream":true})"));
  REQUIRE(rejects(R"({"model":"m","max_tokens":1,"max_tokens":100000})"));
  REQUIRE(
      rejects(R"({"model":"m","stream_options":{"include_usage":true,"include_usage":false}})"));
  REQUIRE(rejects(R"({"model":"m","messages":[{"role":"user","content":"a","content":"b"}]})"));
  // The same key written two ways is the same key.
  REQUIRE(rejects(R"({"model":"a","mod\u0065l":"b"})"));
  // Many keys: still found (sorted once, not compared pairwise).
  std::string many = R"({"model":"m","o":{)";
  for (int i = 0; i < 5000; ++i) many += "\"k" + std::to_string(i) + "\":1,";
  many += R"("k4321":2}})";
  REQUIRE(rejects(many));
  // The same key in sibling objects is fine.
  parse_ok(R"({"model":"m","messages":[{"role":"user"},{"role":"assistant"}]})");
}

TEST_CASE("n is read so that every completion asked for can be reserved") {
  REQUIRE(parse_ok(R"({"model":"m","n":3})").choices == 3);
  REQUIRE(parse_ok(R"({"model":"m"})").choices == 1);
  REQUIRE(parse_ok(R"({"model":"m","n":0})").choices == 1);
}

TEST_CASE("usage is asked for on every stream, whatever stream_options the client sent") {
  // The client must not be able to switch billing off.
  auto forced = [](std::string body) {
    auto json = parse_ok(body);
    std::string out = splice_request_body(body, json, "real", true);
    INFO(out);
    auto again = parse_ok(out);
    REQUIRE(again.include_usage);
    REQUIRE(again.model == "real");
    return out;
  };
  REQUIRE(forced(R"({"model":"a","stream":true,"stream_options":{"include_usage":false}})") ==
          R"({"model":"real","stream":true,"stream_options":{"include_usage":true}})");
  REQUIRE(forced(R"({"model":"a","stream":true,"stream_options":{}})") ==
          R"({"model":"real","stream":true,"stream_options":{"include_usage":true}})");
  REQUIRE(forced(R"({"stream_options":{ "x":1 },"model":"a","stream":true})") ==
          R"({"stream_options":{"include_usage":true, "x":1 },"model":"real","stream":true})");
  REQUIRE(forced(R"({"model":"a","stream":true,"stream_options":null})") ==
          R"({"model":"real","stream":true,"stream_options":{"include_usage":true}})");
  REQUIRE(forced(R"({"model":"a","stream":true,"stream_options":{"include_usage":true}})") ==
          R"({"model":"real","stream":true,"stream_options":{"include_usage":true}})");
  // Options that are not an object, or a usage flag that is not a boolean: refused.
  REQUIRE(rejects(R"({"model":"a","stream_options":"off"})"));
  REQUIRE(rejects(R"({"model":"a","stream_options":{"include_usage":0}})"));
}

TEST_CASE("a Responses request's instructions count as prompt and max_output_tokens is read") {
  auto json = parse_ok(R"({"model":"m","instructions":"Be brief.","input":"hello",
    "max_output_tokens":300})");
  REQUIRE(json.prompt_chars == std::string("Be brief.").size() + std::string("hello").size());
  REQUIRE(json.max_tokens == 300);
}

// Found by tests/fuzz/request_json_fuzz.cpp: a value typed by its first byte ('n') was
// taken for null without being read, so malformed JSON passed as valid.
TEST_CASE("a stream_options that only starts like null is malformed") {
  REQUIRE(rejects(R"({"model":"m","stream_options":nu })"));
  REQUIRE(rejects(R"({"model":"m","stream_options":nulx})"));
  parse_ok(R"({"model":"m","stream_options":null})");
}
