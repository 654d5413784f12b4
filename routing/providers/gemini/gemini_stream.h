// One streamed Gemini answer (streamGenerateContent?alt=sse) → OpenAI
// chat.completion.chunk events: each SSE payload in, chunk payloads out, then the finish
// chunks, the usage chunk when asked and "[DONE]". Pure
// (tests/unit/routing/gemini_stream_test.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/exchange.h"
#include "routing/providers/gemini/gemini_errors.h"
#include "routing/providers/gemini/gemini_response.h"

namespace tollgate::routing::providers::gemini {

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

}  // namespace tollgate::routing::providers::gemini
