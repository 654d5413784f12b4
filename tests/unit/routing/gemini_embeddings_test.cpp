// /v1/embeddings ⇄ :batchEmbedContents.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

TEST_CASE("a dimensions past an integer's range is refused, an integral float passes", "[gemini]") {
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
