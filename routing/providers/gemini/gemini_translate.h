// Pure translations between OpenAI's chat completions and Google's Gemini API
// (generativelanguage.googleapis.com, v1beta generateContent / streamGenerateContent):
// request → GenerateContentRequest, GenerateContentResponse → chat.completion, each SSE
// event → chat.completion.chunk events, Gemini errors → OpenAI errors and failure class.
// No I/O here, so every mapping is unit-tested on its own (tests/unit/routing/gemini_*).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/exchange.h"
#include "gateway/core/failure.h"
#include "gateway/core/response.h"

namespace tollgate::routing::providers::gemini {

// An OpenAI chat request translated, or the reason it cannot be.
struct TranslatedRequest {
  bool ok = false;
  std::string body;  // the GenerateContentRequest JSON
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // When !ok: the OpenAI field at fault and why (answered as a 400 invalid_request).
  std::string param;
  std::string message;
};

TranslatedRequest translate_request(std::string_view openai_body);

// The 400 answer for a request translate_request refused.
core::Response unsupported_field_response(const TranslatedRequest& refused);

// Path and query of the call: {base}/v1beta/models/{model}:generateContent, or
// :streamGenerateContent?alt=sse. A base path already ending in /v1beta or /v1 is kept
// as is; a model written "models/x" loses its prefix.
std::string generate_target(std::string_view base_path, std::string_view model, bool stream);

// What the OpenAI answer says about itself.
struct AnswerContext {
  std::string id;  // "chatcmpl-..."
  std::string model;
  std::int64_t created = 0;
};

struct TranslatedAnswer {
  bool ok = false;                // the body was a GenerateContentResponse
  std::string body;               // chat.completion JSON
  core::Usage usage;              // reported when usageMetadata was present
  bool content_filtered = false;  // a candidate ended for safety, recitation...
  std::string blocked;            // promptFeedback.blockReason when no candidate came
};

TranslatedAnswer translate_response(std::string_view gemini_body, const AnswerContext& context);

// Gemini's finishReason in OpenAI's words; `called_function` when the candidate holds a
// functionCall part.
std::string_view map_finish_reason(std::string_view gemini_reason, bool called_function);

// A Gemini error answer as OpenAI's error and the failure class the router acts on.
struct MappedError {
  core::FailureClass failure = core::FailureClass::server_error;
  core::Response response;  // OpenAI-shaped, the upstream status kept
};

MappedError map_error(int status, std::string_view body, std::string_view retry_after = {});

// The 400 answer when Gemini blocked the prompt (promptFeedback.blockReason).
core::Response blocked_prompt_response(std::string_view block_reason);

// One streamed answer: each Gemini SSE payload in, OpenAI chunk payloads out.
class StreamTranslator {
 public:
  StreamTranslator(AnswerContext context, bool include_usage);

  // Appends the chunks (JSON text) that `data` (one GenerateContentResponse) yields.
  void on_event(std::string_view data, std::vector<std::string>& out);
  // After the upstream stream ended well: the finish chunks, the usage chunk when asked,
  // and "[DONE]".
  void finish(std::vector<std::string>& out);

  const core::Usage& usage() const { return usage_; }
  bool content_filtered() const { return content_filtered_; }
  // promptFeedback.blockReason, when the prompt was refused before any candidate.
  const std::string& blocked() const { return blocked_; }
  // An {"error":...} event arrived; no more chunks are made after it.
  const std::optional<MappedError>& error() const { return error_; }

 private:
  struct Choice {
    bool started = false;
    int tool_calls = 0;
    std::string finish_reason;  // Gemini's, last seen
  };
  std::string chunk_head() const;
  std::string choice_chunk(int index, std::string_view delta_json,
                           std::string_view finish_reason) const;

  AnswerContext context_;
  bool include_usage_;
  std::map<int, Choice> choices_;
  core::Usage usage_;
  std::int64_t total_tokens_ = 0;
  std::int64_t reasoning_tokens_ = 0;
  bool content_filtered_ = false;
  std::string blocked_;
  std::optional<MappedError> error_;
};

// /v1/embeddings → :batchEmbedContents. `input` is a string or an array of strings;
// `dimensions` becomes outputDimensionality; `encoding_format` decides the answer's shape.
struct TranslatedEmbeddings {
  bool ok = false;
  std::string body;  // BatchEmbedContentsRequest JSON
  bool base64 = false;
  std::string param;  // when !ok
  std::string message;
};

TranslatedEmbeddings translate_embeddings_request(std::string_view openai_body,
                                                  std::string_view model);

// {base}/v1beta/models/{model}:batchEmbedContents
std::string embed_target(std::string_view base_path, std::string_view model);

// BatchEmbedContentsResponse → OpenAI's embedding list ("" when the body is not one).
// Gemini reports no usage for embeddings: `estimated_tokens` fills the usage object.
std::string translate_embeddings_response(std::string_view gemini_body, std::string_view model,
                                          bool base64, std::int64_t estimated_tokens);

// A fresh tool call id ("call_" and 24 letters and digits).
std::string new_tool_call_id();

}  // namespace tollgate::routing::providers::gemini
