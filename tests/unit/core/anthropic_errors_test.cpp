// Anthropic-shaped errors: the status ↔ type table and the body, built in gateway/core.
#include <catch2/catch.hpp>

#include "gateway/core/anthropic_errors.h"
#include "gateway/core/errors.h"

using namespace tollgate::core;

TEST_CASE("Anthropic's error types and statuses", "[anthropic][errors]") {
  CHECK(anthropic_error_type(401) == "authentication_error");
  CHECK(anthropic_error_type(403) == "permission_error");
  CHECK(anthropic_error_type(404) == "not_found_error");
  CHECK(anthropic_error_type(413) == "request_too_large");
  CHECK(anthropic_error_type(429) == "rate_limit_error");
  CHECK(anthropic_error_type(503) == "overloaded_error");
  CHECK(anthropic_error_type(502) == "api_error");
  CHECK(anthropic_error_type(405) == "invalid_request_error");
  CHECK(anthropic_error_status("overloaded_error") == 529);
  CHECK(anthropic_error_status("rate_limit_error") == 429);
  CHECK(anthropic_error_status("new_type") == 500);
}

TEST_CASE("an OpenAI-shaped answer rewritten for an Anthropic client", "[anthropic][errors]") {
  Response r = error_response(ErrorKind::unavailable, "draining");
  r.headers.set("retry-after", "1");
  make_anthropic_error(r, "draining \"now\"");
  CHECK(r.status == 529);
  CHECK(r.body ==
        R"({"type":"error","error":{"type":"overloaded_error","message":"draining \"now\""}})");
  CHECK(r.headers.get("retry-after") == "1");
}
