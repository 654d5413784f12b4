// OpenAI-shaped answers (what stages and providers produce) → Anthropic's Messages API
// shapes, for clients that called /v1/messages: a chat.completion → a Message, and a chat
// chunk stream → Anthropic's events (message_start, ping, content_block_start/delta/stop,
// message_delta with usage, message_stop; an error event for an error chunk). The reverse
// of anthropic_response.h and anthropic_stream.h, on the same tables (anthropic_tables.h).
// Pure: unit-tested in tests/unit/routing/messages_answer_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::anthropic {

// "msg_..." for an OpenAI id: "chatcmpl-msg_x" (an Anthropic answer translated on the way
// in) → "msg_x"; "chatcmpl-x" → "msg_x"; anything else gets the prefix.
std::string message_id(std::string_view openai_id);

// A chat.completion body → an Anthropic Message body; nullopt when it is not one.
// `kept`: kKeptMember is read (an anthropic target's answer, or the cache's); false for an
// answer from a provider of another kind, which could put anything there.
std::optional<std::string> translate_completion(std::string_view openai_body, bool kept = true);

// The message of an OpenAI error body ({"error":{"message":...}}), or empty.
std::string openai_error_message(std::string_view openai_body);

class MessagesStream {
 public:
  // `kept`: as for translate_completion.
  explicit MessagesStream(bool kept = true) : kept_(kept) {}

  // One OpenAI chunk's data (never "[DONE]") → Anthropic events appended to `out`. An error
  // chunk ({"error":...}) becomes an error event, and nothing follows it.
  void on_chunk(std::string_view data, std::vector<core::Chunk>& out);
  // The stream ended ([DONE], or its end): the open block closed, message_delta with the
  // stop reason and usage, message_stop. Once; nothing after an error.
  void on_end(std::vector<core::Chunk>& out);
  bool started() const { return started_; }

 private:
  enum class Block { none, text, thinking, tool, kept };
  void start(std::string_view id, std::string_view model, std::vector<core::Chunk>& out);
  void open(Block kind, std::string_view start_json, std::vector<core::Chunk>& out);
  void close(std::vector<core::Chunk>& out);
  void delta(std::string_view delta_json, std::vector<core::Chunk>& out);
  void error(std::string_view data, std::vector<core::Chunk>& out);
  // kKeptMember of a delta (an anthropic target's blocks): opens, feeds, or says the stop.
  void on_kept(const boost::json::object& kept, std::vector<core::Chunk>& out);

  bool kept_;
  bool started_ = false;
  bool ended_ = false;
  Block open_ = Block::none;
  int index_ = -1;               // Anthropic's content block index
  int open_tool_ = -1;           // the OpenAI tool_calls index of the open tool_use block
  std::string finish_ = "stop";  // OpenAI's finish reason, and the provider's own words
  std::string said_stop_;
  std::string said_sequence_;
  std::int64_t input_tokens_ = 0;
  std::int64_t output_tokens_ = 0;
  std::int64_t cached_tokens_ = 0;
};

}  // namespace tollgate::routing::providers::anthropic
