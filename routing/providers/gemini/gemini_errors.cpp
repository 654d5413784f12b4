// Gemini's errors carry a google.rpc.Status name (INVALID_ARGUMENT, RESOURCE_EXHAUSTED...)
// beside the HTTP status; both decide the OpenAI type and code and the failure class.
// The bodies keep Gemini's message and the upstream status, with codes (context_length_
// exceeded, content_filter, server_error...) that core::ErrorKind has no kind for: they
// are provider answers passed on in OpenAI's shape, not errors the gateway decides.
#include "routing/providers/gemini/gemini_errors.h"

#include <algorithm>
#include <string>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/gemini/gemini_text.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;
using openai_request::sv;

namespace {

struct StatusMapping {
  core::FailureClass failure;
  std::string_view type;
  std::string_view code;
};

bool says_too_long(std::string_view message) {
  std::string m = lower(message);
  return m.find("input token count") != std::string::npos ||
         m.find("exceeds the maximum number of tokens") != std::string::npos ||
         m.find("too long") != std::string::npos || m.find("context window") != std::string::npos;
}

bool says_bad_key(std::string_view message, std::string_view body) {
  return message.find("API key not valid") != std::string_view::npos ||
         message.find("API key expired") != std::string_view::npos ||
         body.find("API_KEY_INVALID") != std::string_view::npos;
}

// "37s" or "1.5s" (google.protobuf.Duration) → whole seconds, rounded up.
std::string retry_seconds(std::string_view duration) {
  if (!duration.ends_with('s')) return {};
  duration.remove_suffix(1);
  try {
    double seconds = std::stod(std::string(duration));
    if (!(seconds >= 0)) return {};  // negative, or NaN
    // Cast only what long long holds: casting "1e300s" or "infs" is undefined behaviour.
    seconds = std::min(seconds, 1e9);
    auto whole = static_cast<long long>(seconds);
    if (static_cast<double>(whole) < seconds) ++whole;
    return std::to_string(whole);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

namespace {

// What a Gemini error body says: its message, google.rpc status name and retry delay.
struct GeminiError {
  std::string message;
  std::string grpc_status;
  std::string retry_delay;  // whole seconds, from a RetryInfo detail
};

GeminiError read_error(int status, std::string_view body) {
  GeminiError out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, core::bounded_json_options());
  const json::value* error =
      !ec && doc.is_object() ? doc.get_object().if_contains("error") : nullptr;
  if (error != nullptr && error->is_object()) {
    const json::object& e = error->get_object();
    if (const json::value* m = e.if_contains("message"); m != nullptr && m->is_string()) {
      out.message = std::string(sv(m->get_string()));
    }
    if (const json::value* s = e.if_contains("status"); s != nullptr && s->is_string()) {
      out.grpc_status = std::string(sv(s->get_string()));
    }
    if (const json::value* details = e.if_contains("details");
        details != nullptr && details->is_array()) {
      for (const auto& d : details->get_array()) {
        if (!d.is_object()) continue;
        const json::value* delay = d.get_object().if_contains("retryDelay");
        if (delay != nullptr && delay->is_string()) {
          out.retry_delay = retry_seconds(sv(delay->get_string()));
        }
      }
    }
  }
  if (out.grpc_status.empty()) {
    out.grpc_status = status == 400   ? "INVALID_ARGUMENT"
                      : status == 401 ? "UNAUTHENTICATED"
                      : status == 403 ? "PERMISSION_DENIED"
                      : status == 404 ? "NOT_FOUND"
                      : status == 429 ? "RESOURCE_EXHAUSTED"
                      : status == 503 ? "UNAVAILABLE"
                      : status == 504 ? "DEADLINE_EXCEEDED"
                      : status >= 500 ? "INTERNAL"
                                      : "";
  }
  if (out.message.empty()) {
    out.message = "the provider answered with HTTP status " + std::to_string(status);
  }
  return out;
}

// The status name (and for INVALID_ARGUMENT the message) → OpenAI type, code and failure
// class; `out_status` becomes 401 for a refused key Gemini reports as a 400.
StatusMapping mapping_for(const GeminiError& error, std::string_view body, int& out_status) {
  const std::string& g = error.grpc_status;
  if (g == "INVALID_ARGUMENT" || g == "FAILED_PRECONDITION" || g == "OUT_OF_RANGE") {
    if (says_bad_key(error.message, body)) {
      // The gateway's key, not the client's request (the proxy handler answers 502).
      out_status = 401;
      return {core::FailureClass::credentials_refused, "invalid_request_error", "invalid_api_key"};
    }
    if (says_too_long(error.message)) {
      return {core::FailureClass::context_length, "invalid_request_error",
              "context_length_exceeded"};
    }
    if (g == "FAILED_PRECONDITION") {
      return {core::FailureClass::client_error, "invalid_request_error", "failed_precondition"};
    }
    return {core::FailureClass::client_error, "invalid_request_error", "invalid_request"};
  }
  if (g == "UNAUTHENTICATED") {
    return {core::FailureClass::credentials_refused, "invalid_request_error", "invalid_api_key"};
  }
  if (g == "PERMISSION_DENIED") {
    return {core::FailureClass::credentials_refused, "permission_error", "permission_denied"};
  }
  if (g == "NOT_FOUND") {
    return {core::FailureClass::client_error, "invalid_request_error", "model_not_found"};
  }
  if (g == "RESOURCE_EXHAUSTED") {
    return {core::FailureClass::rate_limit, "requests", "rate_limit_exceeded"};
  }
  if (g == "DEADLINE_EXCEEDED") {
    return {core::FailureClass::timeout, "server_error", "upstream_timeout"};
  }
  if (g == "UNAVAILABLE") {
    return {core::FailureClass::server_error, "server_error", "service_unavailable"};
  }
  if (g == "INTERNAL" || g == "UNKNOWN" || g == "ABORTED" || g == "CANCELLED" || g == "DATA_LOSS" ||
      out_status >= 500) {
    return {core::FailureClass::server_error, "server_error", "server_error"};
  }
  return {core::FailureClass::client_error, "invalid_request_error", "invalid_request"};
}

}  // namespace

MappedError map_error(int status, std::string_view body, std::string_view retry_after) {
  GeminiError error = read_error(status, body);
  int out_status = status;
  StatusMapping m = mapping_for(error, body, out_status);
  // The HTTP status decides when the two disagree on retrying.
  if (status == 429) m.failure = core::FailureClass::rate_limit;
  if (status == 408) m.failure = core::FailureClass::timeout;
  if (status >= 500 && m.failure == core::FailureClass::client_error) {
    m.failure = core::FailureClass::server_error;
  }
  if (out_status < 400) out_status = 502;

  MappedError out;
  out.failure = m.failure;
  out.response = core::error_response(core::ErrorInfo{out_status, m.type, m.code}, error.message);
  std::string_view retry = !retry_after.empty() ? retry_after : std::string_view(error.retry_delay);
  if (!retry.empty() && m.failure == core::FailureClass::rate_limit) {
    out.response.headers.set("retry-after", retry);
  }
  return out;
}

core::Response blocked_prompt_response(std::string_view block_reason) {
  return core::error_response(
      core::ErrorKind::content_filtered,
      "the provider refused the prompt (Gemini blockReason " + std::string(block_reason) + ")",
      "messages");
}

}  // namespace tollgate::routing::providers::gemini
