// Gemini GenerateContentResponse → OpenAI chat.completion, and the pieces of a response
// the stream translation shares (finish reasons, tool call ids). Pure
// (tests/unit/routing/gemini_response_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/exchange.h"

namespace tollgate::routing::providers::gemini {

// What the OpenAI answer says about itself.
struct AnswerContext {
  std::string id;  // "chatcmpl-..."
  std::string model;
  std::int64_t created = 0;
};

struct TranslatedAnswer {
  bool ok = false;                // the body was a GenerateContentResponse
  std::string body;               // chat.completion JSON
  core::Usage usage;              // reported when usageMetadata was present
  bool content_filtered = false;  // a candidate ended for safety, recitation...
  std::string blocked;            // promptFeedback.blockReason when no candidate came
};

TranslatedAnswer translate_response(std::string_view gemini_body, const AnswerContext& context);

// Gemini's finishReason in OpenAI's words; `called_function` when the candidate holds a
// functionCall part.
std::string_view map_finish_reason(std::string_view gemini_reason, bool called_function);

// A fresh tool call id ("call_" and 24 letters and digits).
std::string new_tool_call_id();

}  // namespace tollgate::routing::providers::gemini
