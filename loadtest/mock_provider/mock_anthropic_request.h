// The mock provider's copy of Anthropic's request validation (Messages API): required
// fields, roles, content blocks, tools, tool_choice, output_config, unknown fields refused;
// stricter than Anthropic on alternating turns and answered tool uses (see mock_anthropic.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tollgate::mock {

// What the answer needs to know of a valid request.
struct AnthropicRequest {
  std::string model;
  bool stream = false;
  std::int64_t max_tokens = 0;
  std::int64_t input_words = 0;  // at least 1
  bool json_schema = false;      // output_config.format asks for JSON
  std::string first_stop_sequence;
  bool thinking = false;  // thinking.type enabled
};

// Checks a Messages request body; on a refusal returns the message of Anthropic's 400.
std::optional<std::string> check_anthropic_request(std::string& body, AnthropicRequest& out);

}  // namespace tollgate::mock
