// Types and statuses follow Anthropic's "Errors" reference (docs.anthropic.com/en/api/errors).
#include "gateway/core/anthropic_errors.h"

#include <array>

#include "gateway/core/errors.h"

namespace tollgate::core {

namespace {

struct TypeStatus {
  std::string_view type;
  int status;
};

constexpr std::array<TypeStatus, 10> kTypes = {{
    {"invalid_request_error", 400},
    {"authentication_error", 401},
    {"billing_error", 402},
    {"permission_error", 403},
    {"not_found_error", 404},
    {"request_too_large", 413},
    {"rate_limit_error", 429},
    {"api_error", 500},
    {"timeout_error", 504},
    {"overloaded_error", 529},
}};

}  // namespace

std::string_view anthropic_error_type(int status) {
  if (status == 503) return "overloaded_error";
  for (const TypeStatus& t : kTypes) {
    if (t.status == status) return t.type;
  }
  return status >= 500 ? "api_error" : "invalid_request_error";
}

int anthropic_error_status(std::string_view type) {
  for (const TypeStatus& t : kTypes) {
    if (t.type == type) return t.status;
  }
  return 500;
}

int anthropic_client_status(int status) {
  return status == 503 ? 529 : status;
}

std::string anthropic_error_body(int status, std::string_view message) {
  std::string out;
  out.reserve(64 + message.size());
  out += R"({"type":"error","error":{"type":)";
  append_json_string(out, anthropic_error_type(status));
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

void make_anthropic_error(Response& response, std::string_view message) {
  std::string body = anthropic_error_body(response.status, message);
  response.status = anthropic_client_status(response.status);
  response.body = std::move(body);
  response.headers.set("content-type", "application/json");
}

}  // namespace tollgate::core
