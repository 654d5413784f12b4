// One streamed Anthropic answer → OpenAI chat.completion.chunk payloads. Anthropic's SSE
// events (message_start, content_block_start/delta/stop, message_delta, message_stop,
// ping, error) go in one at a time; out come, in OpenAI's order: the role chunk, content
// and tool_calls deltas, the finish_reason chunk, the usage chunk when the client asked
// for it, and "[DONE]". Pure: unit-tested in tests/unit/routing/anthropic_stream_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/providers/anthropic/anthropic_response.h"

namespace tollgate::routing::providers::anthropic {

class StreamTranslator {
 public:
  StreamTranslator(AnswerContext context, bool include_usage);

  // Appends the chunks that one event yields. `event` is the SSE event name (may be empty:
  // the payload's own "type" decides). The role chunk is held back until there is
  // something to say, so that an error event right after message_start can still be
  // answered with an error status (and a fallback) instead of a broken stream.
  void on_event(std::string_view event, std::string_view data, std::vector<std::string>& out);

  // message_stop arrived: the stream ended well and "[DONE]" has been made.
  bool finished() const { return finished_; }
  // Any chunk has been made.
  bool started() const { return role_sent_; }
  const AnthropicUsage& usage() const { return usage_; }
  bool refused() const { return refused_; }
  // An error event arrived; nothing more is made after it.
  const std::optional<MappedError>& error() const { return error_; }

 private:
  enum class BlockKind { text, tool_use, kept, ignored };
  struct Block {
    BlockKind kind = BlockKind::ignored;
    int tool_index = -1;
    bool got_arguments = false;
    std::string start_input;  // a tool_use block's input at start, when not empty
  };

  // One handler per event type.
  void on_message_start(const boost::json::object& payload);
  void on_block_start(const boost::json::object& payload, std::vector<std::string>& out);
  void on_block_delta(const boost::json::object& payload, std::vector<std::string>& out);
  void on_block_stop(const boost::json::object& payload, std::vector<std::string>& out);
  void on_message_delta(const boost::json::object& payload, std::vector<std::string>& out);
  void on_message_stop(std::vector<std::string>& out);
  void on_error(const boost::json::object& payload, std::string_view data);

  std::string chunk(std::string_view delta_json, std::string_view finish_reason) const;
  // The role chunk, once, before the first chunk that says something.
  void ensure_role(std::vector<std::string>& out);
  void emit(std::string_view delta_json, std::vector<std::string>& out);
  void emit_text(std::string_view text, std::vector<std::string>& out);
  void emit_arguments(int tool_index, std::string_view arguments, std::vector<std::string>& out);
  // A chunk whose delta holds only kKeptMember (for an Anthropic client).
  void emit_kept(const boost::json::object& kept, std::vector<std::string>& out);

  AnswerContext context_;
  bool include_usage_;
  bool role_sent_ = false;
  bool finished_ = false;
  bool finish_sent_ = false;
  bool refused_ = false;
  int tool_calls_ = 0;
  std::map<std::int64_t, Block> blocks_;
  std::string finish_reason_;
  AnthropicUsage usage_;
  std::optional<MappedError> error_;
};

}  // namespace tollgate::routing::providers::anthropic
