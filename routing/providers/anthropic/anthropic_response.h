// Anthropic Messages API answers → OpenAI's shapes: a Message → chat.completion, stop
// reasons → finish reasons, usage → OpenAI usage, and Anthropic's errors
// ({"type":"error","error":{"type","message"}}) → OpenAI's error and the failure class the
// router acts on. Pure: unit-tested in tests/unit/routing/anthropic_response_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/failure.h"
#include "gateway/core/response.h"
#include "routing/providers/anthropic/anthropic_tables.h"

namespace tollgate::routing::providers::anthropic {

// What the OpenAI answer says about itself when Anthropic does not (Anthropic gives no
// timestamp; its id and model are used when present).
struct AnswerContext {
  std::string id;     // fallback id, "chatcmpl-..."
  std::string model;  // fallback model: the target's
  std::int64_t created = 0;
  // An Anthropic client: what the chat form lacks is kept in kKeptMember.
  bool keep_blocks = false;
};

// Anthropic's token counts. Its input_tokens exclude cached prompt tokens; OpenAI's
// prompt_tokens include them, so prompt = input + cache_creation + cache_read.
struct AnthropicUsage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  bool reported = false;

  std::int64_t prompt_tokens() const {
    return input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  }
  core::Usage to_core() const;
  // OpenAI's CompletionUsage object as JSON text.
  std::string openai_json() const;
  // Reads a usage object; fields absent keep their value (message_delta sends only some).
  void read(const boost::json::object& usage);
};

struct TranslatedAnswer {
  bool ok = false;   // the body was an Anthropic Message
  std::string body;  // chat.completion JSON
  AnthropicUsage usage;
  std::string finish_reason;
  bool refused = false;  // stop_reason "refusal": Anthropic's classifiers stopped the answer
};

TranslatedAnswer translate_message(std::string_view anthropic_body, const AnswerContext& context);

// "chatcmpl-" + Anthropic's message id (msg_...).
std::string completion_id(std::string_view message_id);

struct MappedError {
  core::FailureClass failure = core::FailureClass::server_error;
  core::Response response;  // OpenAI-shaped
};

// A non-2xx answer: `status` and Anthropic's error body (or anything else a proxy sent).
MappedError map_error(int status, std::string_view body, std::string_view retry_after = {});

// The HTTP status Anthropic uses for an error type (for error events inside a stream,
// which carry no status of their own): overloaded_error → 529, api_error → 500, ...
int status_for_error_type(std::string_view type);

}  // namespace tollgate::routing::providers::anthropic
