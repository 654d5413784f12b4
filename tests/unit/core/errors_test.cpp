// Error bodies: OpenAI's shape, the right status, and escaping of what callers put in.
#include <catch2/catch.hpp>

#include "gateway/core/errors.h"

using namespace tollgate::core;

TEST_CASE("error bodies have OpenAI's shape") {
  REQUIRE(
      error_body(ErrorKind::model_not_found, "no such model", "model") ==
      R"({"error":{"message":"no such model","type":"invalid_request_error","param":"model","code":"model_not_found"}})");
  REQUIRE(
      error_body(ErrorKind::upstream_timeout, "slow") ==
      R"({"error":{"message":"slow","type":"server_error","param":null,"code":"upstream_timeout"}})");
}

TEST_CASE("each kind maps to its status") {
  REQUIRE(error_info(ErrorKind::invalid_json).status == 400);
  REQUIRE(error_info(ErrorKind::invalid_api_key).status == 401);
  REQUIRE(error_info(ErrorKind::model_not_found).status == 404);
  REQUIRE(error_info(ErrorKind::method_not_allowed).status == 405);
  REQUIRE(error_info(ErrorKind::request_too_large).status == 413);
  REQUIRE(error_info(ErrorKind::rate_limited).status == 429);
  REQUIRE(error_info(ErrorKind::upstream_unreachable).status == 502);
  REQUIRE(error_info(ErrorKind::upstream_timeout).status == 504);
}

TEST_CASE("messages are escaped as JSON strings") {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\x01");
  REQUIRE(out == R"("a\"b\\c\nd\u0001")");
}

// Found by probing the binary: GET /v1/\xff\xfe put the raw bytes into JSON the gateway
// wrote itself, which a strict JSON consumer rejects whole.
TEST_CASE("bytes that are not UTF-8 become U+FFFD; well-formed UTF-8 passes as it is") {
  std::string out;
  append_json_string(out, "/v1/\xff\xfe h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  REQUIRE(out == "\"/v1/\\ufffd\\ufffd h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // Overlong, surrogate, past U+10FFFF, cut short: each bad byte replaced.
  out.clear();
  append_json_string(out, "\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x82");
  REQUIRE(out ==
          "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
}
