// What a request asks of the demo beyond a reply: a JSON object (json_object), a value
// shaped by a JSON schema (json_schema), or a call of a function tool that tool_choice
// forces. What the demo cannot honour is refused with a 400 naming the field
// (docs/providers.md: no silent drops). Chat and Responses bodies each have a reader.
#pragma once

#include <optional>
#include <string>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::demo {

struct Steering {
  enum class Kind { text, json, tool_call };
  Kind kind = Kind::text;
  std::string tool_name;  // Kind::tool_call
  // Kind::json: the answer's text; Kind::tool_call: the call's arguments. JSON text made
  // from the schema given (its required properties, first enum values), or {} without one.
  std::string json;
};

// Reads tools, tool_choice and response_format of a chat body; a 400 in `refusal` when
// they ask what the demo cannot do.
Steering read_chat_steering(std::string_view body, std::optional<core::Response>& refusal);
// The same for a Responses body: tools, tool_choice and text.format.
Steering read_responses_steering(std::string_view body, std::optional<core::Response>& refusal);

// A JSON value that a simple JSON schema accepts (exposed for tests).
std::string sample_for_schema(std::string_view schema_json);

}  // namespace tollgate::routing::providers::demo
