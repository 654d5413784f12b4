// Reads what the gateway needs from an OpenAI request body in one simdjson on-demand
// pass that also validates the whole document, and records byte ranges so that edits
// (the model name) splice the original bytes instead of re-serialising.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/json_limits.h"

namespace tollgate::core {

struct ByteRange {
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct RequestJson {
  bool is_object = false;
  std::optional<std::string> model;
  ByteRange model_range;  // the whole string token, quotes included
  // The body is multipart/form-data (audio, image edits), not JSON: `model` is its model
  // part and `model_range` that part's raw value (gateway/core/multipart_model.h).
  bool multipart = false;
  bool stream = false;
  bool has_messages = false;  // "messages" is an array
  bool has_prompt = false;
  bool has_input = false;
  bool has_stream_options = false;  // present and not null
  bool include_usage = false;       // stream_options.include_usage is true
  // Where stream_options can be edited so the provider always reports usage (the client
  // must not switch billing off): the value token when it is null, else the object's
  // opening brace (length 1) and whether it has members; include_usage's own token.
  ByteRange stream_options_range;
  bool stream_options_has_members = false;
  std::optional<ByteRange> include_usage_range;
  std::optional<long long> max_tokens;  // max_tokens, max_completion_tokens, max_output_tokens
  long long choices = 1;                // n: completions asked for (each is billed)
  std::size_t prompt_chars = 0;  // characters of messages/prompt/input/instructions, for estimates
};

// Prompt tokens guessed before a provider counts them: about four characters a token
// (OpenAI's rule of thumb for English), at least one. Limits admit on it; routing rules
// match on it.
inline std::int64_t estimate_prompt_tokens(const RequestJson& json) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>((json.prompt_chars + 3) / 4));
}

struct JsonParseResult {
  bool ok = false;
  std::string error;  // why not, for a 400 message
};

// `body` must have at least simdjson::SIMDJSON_PADDING bytes of capacity past its size
// (see ensure_json_padding); nothing is copied. Refuses documents nested deeper than
// `max_depth` (objects and arrays; the root object is level 1: levels are counted, not
// left to the stack, which 150,000 '[' once overflowed) and any object with a key twice (the
// gateway and a provider could read different values: {"model":"cheap","model":"dear"}).
JsonParseResult parse_request_json(std::string& body, RequestJson& out,
                                   std::size_t max_depth = kDefaultMaxJsonDepth);

// At least simdjson::SIMDJSON_PADDING (checked where simdjson is included): readers that
// know a body's length reserve this much more, so it need not grow again.
inline constexpr std::size_t kJsonPadding = 64;

void ensure_json_padding(std::string& body);

// Builds a body with the model token replaced and, when `force_include_usage`, with
// stream_options.include_usage set to true whatever the client sent (added, or its
// false/null replaced); every other byte is the client's.
std::string splice_request_body(std::string_view body, const RequestJson& json,
                                std::string_view new_model, bool force_include_usage);

}  // namespace tollgate::core
