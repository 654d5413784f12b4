// Gemini error answers → OpenAI's error shape, the failure class and retry-after.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "routing/providers/gemini/gemini_translate.h"
#include "tests/unit/routing/gemini_test_support.h"

using namespace tollgate;
using namespace gemini_test;
namespace json = boost::json;

TEST_CASE("errors map to OpenAI's shape and a failure class", "[gemini]") {
  struct Case {
    int status;
    const char* body;
    core::FailureClass failure;
    int out_status;
    const char* code;
  };
  for (
      const Case& c : std::vector<Case>{
          {400,
           R"({"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}})",
           core::FailureClass::client_error, 400, "invalid_request"},
          {400,
           R"({"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}})",
           core::FailureClass::context_length, 400, "context_length_exceeded"},
          {400,
           R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}})",
           core::FailureClass::credentials_refused, 401, "invalid_api_key"},
          {401, R"({"error":{"code":401,"message":"no","status":"UNAUTHENTICATED"}})",
           core::FailureClass::credentials_refused, 401, "invalid_api_key"},
          {403, R"({"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}})",
           core::FailureClass::credentials_refused, 403, "permission_denied"},
          {404, R"({"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}})",
           core::FailureClass::client_error, 404, "model_not_found"},
          {429, R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}})",
           core::FailureClass::rate_limit, 429, "rate_limit_exceeded"},
          {500, R"({"error":{"code":500,"message":"oops","status":"INTERNAL"}})",
           core::FailureClass::server_error, 500, "server_error"},
          {503,
           R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})",
           core::FailureClass::server_error, 503, "service_unavailable"},
          {504, R"({"error":{"code":504,"message":"late","status":"DEADLINE_EXCEEDED"}})",
           core::FailureClass::timeout, 504, "upstream_timeout"},
          {502, "<html>bad gateway</html>", core::FailureClass::server_error, 502, "server_error"},
      }) {
    INFO(c.body);
    gemini::MappedError m = gemini::map_error(c.status, c.body);
    REQUIRE(m.failure == c.failure);
    REQUIRE(m.response.status == c.out_status);
    json::value error = json::parse(m.response.body).at("error");
    REQUIRE(error.at("code") == c.code);
    REQUIRE(error.at("message").is_string());
    REQUIRE(error.at("type").is_string());
    REQUIRE(error.at("param").is_null());
  }
}

TEST_CASE("a 429's retry delay becomes retry-after", "[gemini]") {
  gemini::MappedError m = gemini::map_error(
      429,
      R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"6.2s"}]}})");
  REQUIRE(m.response.headers.get("retry-after") == "7");
  gemini::MappedError header = gemini::map_error(429, "{}", "3");
  REQUIRE(header.response.headers.get("retry-after") == "3");
}

// Found by tests/fuzz/gemini_fuzz.cpp (UBSan, float-cast-overflow): numbers past the
// integer's range were cast to it. A retry delay of 1e300 seconds came out as
// "retry-after: -9223372036854775807" on x86; a client's dimensions: 1e300 was the same
// undefined cast.

TEST_CASE("numbers past an integer's range are never cast to it", "[gemini]") {
  auto delay = [](std::string_view value) {
    std::string body = R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
      "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" +
                       std::string(value) + R"("}]}})";
    return std::string(gemini::map_error(429, body).response.headers.get("retry-after"));
  };
  CHECK(delay("1e300s") == "1000000000");
  CHECK(delay("infs") == "1000000000");
  CHECK(delay("nans").empty());
  CHECK(delay("-1s").empty());
  CHECK(delay("100000s") == "100000");
}
