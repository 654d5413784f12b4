// Every error a client sees is built here, in OpenAI's shape:
//   {"error":{"message":"...","type":"...","param":null,"code":"..."}}
// Callers name what went wrong (an ErrorKind); this file decides status, type and code,
// so the mapping lives in one place (Pingora's fail_to_proxy).
#pragma once

#include <string>
#include <string_view>

namespace tollgate::core {

enum class ErrorKind {
  invalid_json,                  // 400
  invalid_request,               // 400 (missing or wrong field; `param` names it)
  invalid_api_key,               // 401
  forbidden,                     // 403
  model_not_allowed,             // 403 the key may not use this model
  not_found,                     // 404 unknown path
  model_not_found,               // 404 unknown model
  method_not_allowed,            // 405
  request_too_large,             // 413
  unsupported_media,             // 415
  rate_limited,                  // 429 requests per minute, requests in flight
  token_rate_limited,            // 429 tokens per minute (OpenAI's type "tokens")
  insufficient_quota,            // 429
  internal,                      // 500
  upstream_unreachable,          // 502 connect failure, reset, bad answer
  upstream_credentials_refused,  // 502 the provider refused the gateway's own key
  unavailable,                   // 503 draining, or no usable target
  upstream_timeout,              // 504
};

struct ErrorInfo {
  int status;
  std::string_view type;
  std::string_view code;
};

ErrorInfo error_info(ErrorKind kind);

// The JSON body for an error. `message` is escaped here; `param` may be empty (null).
std::string error_body(ErrorKind kind, std::string_view message, std::string_view param = {});

// Appends `s` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tollgate::core
