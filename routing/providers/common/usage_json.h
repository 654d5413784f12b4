// Reads OpenAI's `usage` object out of a response body or a stream chunk, so quotas
// count what the provider really billed: Chat Completions and Completions
// (prompt_tokens, completion_tokens) and the Responses API (input_tokens, output_tokens;
// in a stream, under `response` of the response.completed, response.incomplete and
// response.failed events).
#pragma once

#include <string_view>

#include "gateway/core/exchange.h"

namespace tollgate::routing::providers {

struct ChunkFacts {
  bool has_usage = false;   // a non-null "usage" object was found
  bool usage_only = false;  // "choices" is an empty array: the extra usage chunk
  bool is_error = false;    // an {"error": ...} event
};

// Fills `usage` when `json` (a whole body or one chunk's data) has a usage object.
ChunkFacts read_usage(std::string_view json, core::Usage& usage);

}  // namespace tollgate::routing::providers
