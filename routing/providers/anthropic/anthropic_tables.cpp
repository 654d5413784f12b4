#include "routing/providers/anthropic/anthropic_tables.h"

#include <array>

namespace tollgate::routing::providers::anthropic {

namespace {

struct StopReason {
  std::string_view anthropic;
  std::string_view openai;
};

// Read top down in both directions: the first row naming a reason wins.
constexpr std::array<StopReason, 8> kStopReasons = {{
    {"end_turn", "stop"},
    {"max_tokens", "length"},
    {"tool_use", "tool_calls"},
    {"refusal", "content_filter"},
    {"stop_sequence", "stop"},
    {"pause_turn", "stop"},
    {"model_context_window_exceeded", "length"},
    {"tool_use", "function_call"},  // OpenAI's deprecated functions
}};

}  // namespace

std::string_view map_stop_reason(std::string_view stop_reason) {
  for (const StopReason& row : kStopReasons) {
    if (row.anthropic == stop_reason) return row.openai;
  }
  return "stop";
}

std::string_view stop_reason_for(std::string_view finish_reason) {
  for (const StopReason& row : kStopReasons) {
    if (row.openai == finish_reason) return row.anthropic;
  }
  return "end_turn";
}

}  // namespace tollgate::routing::providers::anthropic
