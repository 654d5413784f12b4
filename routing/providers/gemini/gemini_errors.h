// Gemini error answers (google.rpc.Status in {"error":...}) → OpenAI's error shape and the
// failure class the router acts on, and the answer for a blocked prompt. Pure
// (tests/unit/routing/gemini_errors_test.cpp).
#pragma once

#include <string_view>

#include "gateway/core/failure.h"
#include "gateway/core/response.h"

namespace tollgate::routing::providers::gemini {

// A Gemini error answer as OpenAI's error and the failure class the router acts on.
struct MappedError {
  core::FailureClass failure = core::FailureClass::server_error;
  core::Response response;  // OpenAI-shaped, the upstream status kept
};

MappedError map_error(int status, std::string_view body, std::string_view retry_after = {});

// The 400 answer when Gemini blocked the prompt (promptFeedback.blockReason).
core::Response blocked_prompt_response(std::string_view block_reason);

}  // namespace tollgate::routing::providers::gemini
