// Errors in the shape of Anthropic's Messages API, for clients that call /v1/messages:
//   {"type":"error","error":{"type":"rate_limit_error","message":"..."}}
// The one table between Anthropic's error types and HTTP statuses (both directions: the
// anthropic provider reads them, the Anthropic ingress writes them). Bodies are built here,
// beside OpenAI's (errors.h), so every error a client sees comes from gateway/core.
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/response.h"

namespace tollgate::core {

// Anthropic's error type for an HTTP status: 400 invalid_request_error, 401
// authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error, 413
// request_too_large, 429 rate_limit_error, 504 timeout_error, 503/529 overloaded_error,
// other 5xx api_error, other 4xx invalid_request_error.
std::string_view anthropic_error_type(int status);

// The status Anthropic answers an error type with (an error event in a stream has none):
// overloaded_error → 529, an unknown type → 500.
int anthropic_error_status(std::string_view type);

// The status an Anthropic client gets for a gateway status: 503 (draining, no target, a
// provider overloaded) is Anthropic's 529 overloaded_error; the rest stay.
int anthropic_client_status(int status);

// {"type":"error","error":{"type":...,"message":...}} for `status`.
std::string anthropic_error_body(int status, std::string_view message);

// Rewrites an error answer for an Anthropic client: status (anthropic_client_status) and
// body from `message`; headers (retry-after, rate limit headers) kept.
void make_anthropic_error(Response& response, std::string_view message);

}  // namespace tollgate::core
