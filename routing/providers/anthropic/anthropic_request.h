// OpenAI chat completions request → Anthropic Messages API request (POST /v1/messages),
// or the reason it cannot be expressed (a 400 naming the field). Pure: no I/O, so every
// mapping is unit-tested on its own (tests/unit/routing/anthropic_request_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::anthropic {

// Anthropic requires max_tokens; this is sent when the client gives neither max_tokens
// nor max_completion_tokens.
inline constexpr std::int64_t kDefaultMaxTokens = 4096;

// Appended to the system prompt for response_format json_object (Anthropic has no
// schema-less JSON mode; json_schema maps to its structured outputs instead).
inline constexpr std::string_view kJsonObjectInstruction =
    "Respond with a single valid JSON object and nothing else: no prose, no code fences.";

struct TranslatedRequest {
  bool ok = false;
  std::string body;  // the Messages API request JSON
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // When !ok: the OpenAI field at fault (a JSON path such as "messages[2].content[0]")
  // and why; answered as a 400 invalid_request_error.
  std::string param;
  std::string message;
};

// `model` is what Anthropic is sent (the target's model, not the client's alias).
TranslatedRequest translate_request(std::string_view openai_body, std::string_view model);

// The 400 answer for a request translate_request refused.
core::Response refusal_response(const TranslatedRequest& refused);

// Path and query of the call: {base path}/v1/messages, or {base path}/messages when the
// base path already ends in /v1.
std::string messages_target(std::string_view base_path);

}  // namespace tollgate::routing::providers::anthropic
