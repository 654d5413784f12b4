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
