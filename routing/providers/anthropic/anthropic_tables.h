// The one mapping between Anthropic's and OpenAI's words, read in both directions: the
// anthropic provider (OpenAI clients, Anthropic answers) and the Anthropic ingress
// (Anthropic clients, OpenAI-shaped answers). Error types and statuses are in
// gateway/core/anthropic_errors.h, where error bodies are built.
#pragma once

#include <string_view>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::anthropic {

// Anthropic stop_reason → OpenAI finish_reason: end_turn, stop_sequence, pause_turn → stop;
// max_tokens, model_context_window_exceeded → length; tool_use → tool_calls; refusal →
// content_filter. Unknown → stop.
std::string_view map_stop_reason(std::string_view stop_reason);

// OpenAI finish_reason → Anthropic stop_reason, the first row of the same table that
// names it: stop → end_turn, length → max_tokens, tool_calls and function_call →
// tool_use, content_filter → refusal. Unknown → end_turn.
std::string_view stop_reason_for(std::string_view finish_reason);

// For an Anthropic client served by an anthropic target, what of the answer OpenAI's form
// has no place for travels through the stages in this member of a chat message or chunk
// delta (never made for an OpenAI client; the cache keeps the two apart). In a whole
// message: {"content": [the provider's blocks in order, a text block as {"type":"text",
// "bytes": its length, "citations"?}, a tool_use as {"type":"tool_use"}; thinking,
// redacted_thinking, server tool blocks and any other kind whole], "stop_reason",
// "stop_sequence"}. In a chunk delta: {"start": a block that opens (text, or a kind the
// chat form lacks)}, {"delta": a delta the chat form lacks (thinking_delta,
// signature_delta, citations_delta, a server tool's input)}, or the stop reason as above.
inline constexpr std::string_view kKeptMember = core::kDialectMember;

}  // namespace tollgate::routing::providers::anthropic
