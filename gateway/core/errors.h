// Every error a client sees is built here, in OpenAI's shape:
//   {"error":{"message":"...","type":"...","param":null,"code":"..."}}
// Callers name what went wrong (an ErrorKind); this file decides status, type and code,
// so the mapping lives in one place (Pingora's fail_to_proxy).
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/failure.h"
#include "gateway/core/response.h"

namespace tollgate::core {

enum class ErrorKind {
  invalid_json,                  // 400
  invalid_request,               // 400 (missing or wrong field; `param` names it)
  invalid_api_key,               // 401
  forbidden,                     // 403
  model_not_allowed,             // 403 the key may not use this model
  country_not_allowed,           // 403 the caller's country is refused (policies/geo)
  not_found,                     // 404 unknown path
  model_not_found,               // 404 unknown model
  response_not_found,            // 404 a Responses API id no replica made for this key
  method_not_allowed,            // 405
  conflict,                      // 409 (an id that exists already)
  request_too_large,             // 413
  unsupported_media,             // 415
  content_filtered,              // 400 the provider refused the prompt's content
  prompt_blocked,                // 400 the gateway's own content policy refused the prompt
  pii_blocked,                   // 400 the prompt holds personal data the config blocks
  context_length_exceeded,       // 400 the prompt is longer than the gateway allows
  config_rejected,               // 400 a reload's configuration was refused (POST /admin/reload)
  rate_limited,                  // 429 requests per minute, requests in flight
  token_rate_limited,            // 429 tokens per minute (OpenAI's type "tokens")
  insufficient_quota,            // 429
  internal,                      // 500
  upstream_unreachable,          // 502 connect failure, reset, bad answer
  upstream_credentials_refused,  // 502 the provider refused the gateway's own key
  unavailable,                   // 503 draining, or no usable target
  no_compliant_target,           // 503 no target in the caller's residency regions is left
  upstream_timeout,              // 504
};

struct ErrorInfo {
  int status;
  std::string_view type;
  std::string_view code;
};

ErrorInfo error_info(ErrorKind kind);

// The one way to build a client-facing error: status, content-type and body, from what
// went wrong. Stages, the handler, the router and the provider driver all use it; a test
// (tests/unit/core/errors_built_in_one_place_test.cpp) fails when error_body is called
// anywhere else.
Response error_response(ErrorKind kind, std::string_view message, std::string_view param = {});
// The same for an error a provider reported that the gateway passes on in OpenAI's shape
// with the provider's own status, type and code (context_length_exceeded, ...).
Response error_response(const ErrorInfo& info, std::string_view message,
                        std::string_view param = {});

// What a client is told when an upstream attempt failed with `failure` and the provider
// gave no answer of its own worth passing on (Pingora's fail_to_proxy): the kind of
// error, and a message that never names a secret.
struct FailureError {
  ErrorKind kind;
  std::string_view message;
};
FailureError error_for(FailureClass failure);

// The error response for `failure` (error_for's kind and message).
Response failure_response(FailureClass failure);

// The data of the error event that ends a stream cut short by `failure`: too late for a
// status, so the error goes out as an event, then [DONE] (as OpenAI ends streams).
std::string stream_error_data(FailureClass failure);

// The JSON body for an error. `message` is escaped here; `param` may be empty (null).
// Only for gateway/core: everything else builds whole answers with error_response.
std::string error_body(ErrorKind kind, std::string_view message, std::string_view param = {});

// Appends `s` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tollgate::core
