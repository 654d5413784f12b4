// The one mapping between Anthropic's and OpenAI's words, read in both directions: the
// anthropic provider (OpenAI clients, Anthropic answers) and the Anthropic ingress
// (Anthropic clients, OpenAI-shaped answers). Error types and statuses are in
// gateway/core/anthropic_errors.h, where error bodies are built.
#pragma once

#include <string_view>

namespace tollgate::routing::providers::anthropic {

// Anthropic stop_reason → OpenAI finish_reason: end_turn, stop_sequence, pause_turn → stop;
// max_tokens, model_context_window_exceeded → length; tool_use → tool_calls; refusal →
// content_filter. Unknown → stop.
std::string_view map_stop_reason(std::string_view stop_reason);

// OpenAI finish_reason → Anthropic stop_reason, the first row of the same table that
// names it: stop → end_turn, length → max_tokens, tool_calls and function_call →
// tool_use, content_filter → refusal. Unknown → end_turn.
std::string_view stop_reason_for(std::string_view finish_reason);

}  // namespace tollgate::routing::providers::anthropic
