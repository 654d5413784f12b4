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

// Bytes of answer text in `json`, an answer in OpenAI's shapes as clients get it: a chat
// chunk's or message's content, reasoning, refusal and tool call names and arguments, a
// completion's text, a Responses API `*.delta` event's delta. What the completion is
// estimated from when usage never comes; 0 for anything else (malformed included).
std::int64_t answer_text_bytes(std::string_view json);

}  // namespace tollgate::routing::providers
