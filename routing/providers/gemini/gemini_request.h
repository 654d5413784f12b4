// OpenAI chat completions request → Gemini GenerateContentRequest (v1beta generateContent
// / streamGenerateContent), or the reason it cannot be (a 400 naming the field). Pure: no
// I/O, so every mapping is unit-tested on its own (tests/unit/routing/gemini_request_test.cpp).
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::gemini {

// An OpenAI chat request translated, or the reason it cannot be.
struct TranslatedRequest {
  bool ok = false;
  std::string body;  // the GenerateContentRequest JSON
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // When !ok: the OpenAI field at fault and why (answered as a 400 invalid_request).
  std::string param;
  std::string message;
};

TranslatedRequest translate_request(std::string_view openai_body);

// The 400 answer for a request translate_request refused.
core::Response unsupported_field_response(const TranslatedRequest& refused);

// Path and query of the call: {base}/v1beta/models/{model}:generateContent, or
// :streamGenerateContent?alt=sse. A base path already ending in /v1beta or /v1 is kept
// as is; a model written "models/x" loses its prefix.
std::string generate_target(std::string_view base_path, std::string_view model, bool stream);

// {base}/v1beta/models/{model} (escaped), the stem of every call's path.
std::string model_path(std::string_view base_path, std::string_view model);

}  // namespace tollgate::routing::providers::gemini
