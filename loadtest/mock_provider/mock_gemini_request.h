// The mock provider's copy of Google's GenerateContentRequest validation, as strict as
// Google for the fields the gateway writes: unknown fields and roles refused, parts with
// exactly one kind of data, schema types from Google's list.
#pragma once

#include <cstdint>
#include <string>

namespace tollgate::mock {

// What the request asked for, and whether it is a request Google would take.
struct GeminiRequest {
  std::string error;  // empty when valid
  std::int64_t prompt_tokens = 0;
  int candidates = 1;
  std::int64_t max_output_tokens = -1;
};

GeminiRequest read_gemini_request(std::string& body);

}  // namespace tollgate::mock
