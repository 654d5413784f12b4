#include "routing/providers/anthropic/messages_answer.h"

#include <algorithm>
#include <vector>

#include <boost/json.hpp>

#include "gateway/core/anthropic_errors.h"
#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/anthropic/anthropic_json.h"
#include "routing/providers/anthropic/anthropic_tables.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

namespace {

// OpenAI usage → Anthropic's counts: its input_tokens leave out prompt tokens read from
// the cache, which it counts apart.
struct Counts {
  std::int64_t input = 0, output = 0, cached = 0;
  void read(const json::object& usage) {
    std::int64_t prompt = int_field(usage, "prompt_tokens");
    output = int_field(usage, "completion_tokens");
    if (const json::object* details = object_field(usage, "prompt_tokens_details")) {
      cached = int_field(*details, "cached_tokens");
    }
    input = prompt > cached ? prompt - cached : 0;
  }
};

std::string usage_json(std::int64_t input, std::int64_t output, std::int64_t cached) {
  std::string out = R"({"input_tokens":)" + std::to_string(input) +
                    R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)" +
                    std::to_string(cached) + R"(,"output_tokens":)" + std::to_string(output) + "}";
  return out;
}

// A tool call's arguments as Anthropic's input object ({} when they are not one).
std::string input_json(std::string_view arguments) {
  auto parsed = parse_object(arguments);
  return parsed ? to_json(*parsed) : "{}";
}

std::string_view reasoning_of(const json::object& o) {
  auto text = string_field(o, "reasoning_content");
  if (!text || text->empty()) text = string_field(o, "reasoning");
  return text.value_or("");
}

// The status an error chunk stands for (it has none of its own), by its OpenAI code/type.
int error_chunk_status(const json::object& error) {
  std::string_view code = string_field(error, "code").value_or("");
  std::string_view type = string_field(error, "type").value_or("");
  if (code == "overloaded" || code == "service_unavailable") return 529;
  if (code == "upstream_timeout") return 504;
  if (code == "rate_limit_exceeded" || type == "requests" || type == "tokens") return 429;
  if (type == "server_error") return 500;
  return 400;
}

// The stop reason an Anthropic client gets: the provider's own (kKeptMember: pause_turn,
// stop_sequence and which one) while it still says what the finish reason says (a stage
// may have ended the answer otherwise: content_filter), else the table's.
struct StopReason {
  std::string finish = "stop";
  std::string said;
  std::string sequence;

  // `,"stop_reason":...,"stop_sequence":...`
  std::string json() const {
    bool own = !said.empty() && map_stop_reason(said) == finish;
    std::string out = R"(,"stop_reason":)";
    core::append_json_string(out, own ? std::string_view(said) : stop_reason_for(finish));
    out += R"(,"stop_sequence":)";
    if (own && said == "stop_sequence" && !sequence.empty()) {
      core::append_json_string(out, sequence);
    } else {
      out += "null";
    }
    return out;
  }
};

std::string text_block(std::string_view text) {
  std::string block = R"({"type":"text","text":)";
  core::append_json_string(block, text);
  return block + "}";
}

// A chat message's tool calls as tool_use blocks.
std::vector<std::string> tool_use_blocks(const json::object& message) {
  std::vector<std::string> out;
  const json::value* calls = field(message, "tool_calls");
  if (calls == nullptr || !calls->is_array()) return out;
  for (const auto& item : calls->get_array()) {
    if (!item.is_object()) continue;
    const json::object* function = object_field(item.get_object(), "function");
    std::string block = R"({"type":"tool_use","id":)";
    core::append_json_string(block, string_field(item.get_object(), "id").value_or(""));
    block += R"(,"name":)";
    core::append_json_string(block, function ? string_field(*function, "name").value_or("") : "");
    block += R"(,"input":)" +
             input_json(function ? string_field(*function, "arguments").value_or("") : "");
    out.push_back(block + "}");
  }
  return out;
}

// The blocks in the provider's order, as kKeptMember lists them: text from the message's
// content, cut back at the provider's block lengths (with their citations) when no stage
// changed its length, else whole in the first text block (citations left out: they point
// into text that changed); tool calls in turn; every other block as it came.
std::string kept_content(const json::array& layout, std::string_view text,
                         std::vector<std::string>& tool_blocks) {
  std::size_t total = 0;
  for (const auto& item : layout) {
    if (item.is_object() && string_field(item.get_object(), "type").value_or("") == "text") {
      total += static_cast<std::size_t>(
          std::max<std::int64_t>(0, int_field(item.get_object(), "bytes")));
    }
  }
  bool split = total == text.size();
  std::string out;
  auto add = [&](std::string block) {
    out += out.empty() ? "[" : ",";
    out += block;
  };
  std::size_t at = 0, next_call = 0;
  for (const auto& item : layout) {
    if (!item.is_object()) continue;
    const json::object& block = item.get_object();
    std::string_view type = string_field(block, "type").value_or("");
    if (type == "text") {
      std::size_t bytes =
          static_cast<std::size_t>(std::max<std::int64_t>(0, int_field(block, "bytes")));
      // A cut inside a UTF-8 sequence means the text changed after all.
      split = split && (at + bytes >= text.size() || (text[at + bytes] & 0xC0) != 0x80);
      if (split) {
        std::string piece = text_block(text.substr(at, bytes));
        if (const json::value* citations = field(block, "citations")) {
          piece.pop_back();
          piece += R"(,"citations":)" + to_json(*citations) + "}";
        }
        add(std::move(piece));
        at += bytes;
      } else if (at < text.size()) {
        add(text_block(text.substr(at)));
        at = text.size();
      }
    } else if (type == "tool_use") {
      if (next_call < tool_blocks.size()) add(std::move(tool_blocks[next_call++]));
    } else {
      add(to_json(block));
    }
  }
  // What the layout did not place (a stage added text or a call).
  if (at < text.size()) add(text_block(text.substr(at)));
  while (next_call < tool_blocks.size()) add(std::move(tool_blocks[next_call++]));
  return out.empty() ? "[]" : out + "]";
}

void push(std::vector<core::Chunk>& out, std::string_view event, std::string data) {
  out.push_back(core::Chunk{std::string(event), std::move(data)});
}

}  // namespace

std::string message_id(std::string_view openai_id) {
  if (openai_id.starts_with("chatcmpl-")) openai_id.remove_prefix(9);
  if (openai_id.starts_with("msg_")) return std::string(openai_id);
  return "msg_" + std::string(openai_id);
}

std::string openai_error_message(std::string_view openai_body) {
  auto doc = parse_object(openai_body);
  const json::object* error = doc ? object_field(*doc, "error") : nullptr;
  return error != nullptr ? std::string(string_field(*error, "message").value_or("")) : "";
}

std::optional<std::string> translate_completion(std::string_view openai_body, bool kept_read) {
  auto doc = parse_object(openai_body);
  if (!doc) return std::nullopt;
  const json::value* choices = field(*doc, "choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object()) {
    return std::nullopt;
  }
  const json::object& choice = choices->get_array()[0].get_object();
  const json::object* message = object_field(choice, "message");
  if (message == nullptr) return std::nullopt;
  std::string content;
  auto add = [&](std::string block) {
    content += content.empty() ? "[" : ",";
    content += block;
  };
  if (std::string_view reasoning = reasoning_of(*message); !reasoning.empty()) {
    std::string block = R"({"type":"thinking","thinking":)";
    core::append_json_string(block, reasoning);
    add(block + R"(,"signature":""})");
  }
  std::string_view text = string_field(*message, "content").value_or("");
  std::vector<std::string> tool_blocks = tool_use_blocks(*message);
  const json::object* kept = kept_read ? object_field(*message, kKeptMember) : nullptr;
  const json::value* layout = kept != nullptr ? field(*kept, "content") : nullptr;
  if (layout != nullptr && layout->is_array()) {
    content = kept_content(layout->get_array(), text, tool_blocks);
  } else {
    if (!text.empty() || (tool_blocks.empty() && content.empty())) add(text_block(text));
    for (auto& block : tool_blocks) add(std::move(block));
    content += "]";
  }
  Counts counts;
  if (const json::object* usage = object_field(*doc, "usage")) counts.read(*usage);
  std::string out = R"({"id":)";
  core::append_json_string(out, message_id(string_field(*doc, "id").value_or("")));
  out += R"(,"type":"message","role":"assistant","model":)";
  core::append_json_string(out, string_field(*doc, "model").value_or(""));
  StopReason stop;
  stop.finish = string_field(choice, "finish_reason").value_or("stop");
  if (kept != nullptr) {
    stop.said = string_field(*kept, "stop_reason").value_or("");
    stop.sequence = string_field(*kept, "stop_sequence").value_or("");
  }
  out += R"(,"content":)" + content + stop.json() + R"(,"usage":)" +
         usage_json(counts.input, counts.output, counts.cached) + "}";
  return out;
}

// ---- the stream ----

void MessagesStream::start(std::string_view id, std::string_view model,
                           std::vector<core::Chunk>& out) {
  started_ = true;
  std::string data = R"({"type":"message_start","message":{"id":)";
  core::append_json_string(data, message_id(id));
  data += R"(,"type":"message","role":"assistant","model":)";
  core::append_json_string(data, model);
  data += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)" +
          usage_json(0, 0, 0) + "}}";
  push(out, "message_start", std::move(data));
  push(out, "ping", R"({"type":"ping"})");
}

void MessagesStream::open(Block kind, std::string_view start_json, std::vector<core::Chunk>& out) {
  close(out);
  open_ = kind;
  ++index_;
  push(out, "content_block_start",
       R"({"type":"content_block_start","index":)" + std::to_string(index_) +
           R"(,"content_block":)" + std::string(start_json) + "}");
}

void MessagesStream::close(std::vector<core::Chunk>& out) {
  if (open_ == Block::none) return;
  open_ = Block::none;
  open_tool_ = -1;
  push(out, "content_block_stop",
       R"({"type":"content_block_stop","index":)" + std::to_string(index_) + "}");
}

void MessagesStream::delta(std::string_view delta_json, std::vector<core::Chunk>& out) {
  push(out, "content_block_delta",
       R"({"type":"content_block_delta","index":)" + std::to_string(index_) + R"(,"delta":)" +
           std::string(delta_json) + "}");
}

void MessagesStream::error(std::string_view data, std::vector<core::Chunk>& out) {
  auto doc = parse_object(data);
  const json::object* e = doc ? object_field(*doc, "error") : nullptr;
  int status = e != nullptr ? error_chunk_status(*e) : 500;
  std::string message(e != nullptr ? string_field(*e, "message").value_or("") : "");
  if (message.empty()) message = "the answer ended with an error";
  push(out, "error", core::anthropic_error_body(status, message));
  ended_ = true;
}

// long: one OpenAI chunk may carry reasoning, text, tool calls, a finish reason and usage,
// each of which opens, feeds or closes an Anthropic block in turn.
void MessagesStream::on_chunk(std::string_view data, std::vector<core::Chunk>& out) {
  if (ended_) return;
  auto doc = parse_object(data);
  if (!doc) return;
  if (field(*doc, "error") != nullptr) return error(data, out);
  if (!started_) {
    start(string_field(*doc, "id").value_or(""), string_field(*doc, "model").value_or(""), out);
  }
  if (const json::object* usage = object_field(*doc, "usage")) {
    Counts counts;
    counts.read(*usage);
    input_tokens_ = counts.input;
    output_tokens_ = counts.output;
    cached_tokens_ = counts.cached;
  }
  const json::value* choices = field(*doc, "choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty()) return;
  const json::value& first = choices->get_array()[0];
  if (!first.is_object()) return;
  const json::object& choice = first.get_object();
  if (const json::object* d = object_field(choice, "delta")) {
    if (std::string_view reasoning = reasoning_of(*d); !reasoning.empty()) {
      if (open_ != Block::thinking)
        open(Block::thinking, R"({"type":"thinking","thinking":""})", out);
      std::string j = R"({"type":"thinking_delta","thinking":)";
      core::append_json_string(j, reasoning);
      delta(j + "}", out);
    }
    if (auto text = string_field(*d, "content"); text && !text->empty()) {
      if (open_ != Block::text) open(Block::text, R"({"type":"text","text":""})", out);
      std::string j = R"({"type":"text_delta","text":)";
      core::append_json_string(j, *text);
      delta(j + "}", out);
    }
    const json::value* calls = field(*d, "tool_calls");
    for (std::size_t i = 0; calls != nullptr && calls->is_array() && i < calls->get_array().size();
         ++i) {
      if (!calls->get_array()[i].is_object()) continue;
      const json::object& call = calls->get_array()[i].get_object();
      int tool = static_cast<int>(int_field(call, "index"));
      const json::object* function = object_field(call, "function");
      auto id = string_field(call, "id");
      if (open_ != Block::tool || open_tool_ != tool || (id && !id->empty())) {
        std::string start = R"({"type":"tool_use","id":)";
        core::append_json_string(start, id.value_or(""));
        start += R"(,"name":)";
        core::append_json_string(start,
                                 function ? string_field(*function, "name").value_or("") : "");
        open(Block::tool, start + R"(,"input":{}})", out);
        open_tool_ = tool;
      }
      auto arguments = function ? string_field(*function, "arguments") : std::nullopt;
      if (arguments && !arguments->empty()) {
        std::string j = R"({"type":"input_json_delta","partial_json":)";
        core::append_json_string(j, *arguments);
        delta(j + "}", out);
      }
    }
    // After the text and calls: a stage releases what it held of the blocks before into
    // the chunk that opens the next one.
    const json::object* kept = kept_ ? object_field(*d, kKeptMember) : nullptr;
    if (kept != nullptr) on_kept(*kept, out);
  }
  if (auto finish = string_field(choice, "finish_reason"); finish && !finish->empty()) {
    finish_ = std::string(*finish);
  }
}

void MessagesStream::on_kept(const json::object& kept, std::vector<core::Chunk>& out) {
  if (const json::object* start = object_field(kept, "start")) {
    bool text = string_field(*start, "type").value_or("") == "text";
    open(text ? Block::text : Block::kept, to_json(*start), out);
  }
  if (const json::object* d = object_field(kept, "delta"); d != nullptr && open_ != Block::none) {
    delta(to_json(*d), out);
  }
  if (auto said = string_field(kept, "stop_reason")) said_stop_ = std::string(*said);
  if (auto sequence = string_field(kept, "stop_sequence")) said_sequence_ = std::string(*sequence);
}

void MessagesStream::on_end(std::vector<core::Chunk>& out) {
  if (ended_) return;
  ended_ = true;
  if (!started_) start("", "", out);
  close(out);
  StopReason stop{finish_, said_stop_, said_sequence_};
  std::string data = R"({"type":"message_delta","delta":{)" + stop.json().substr(1) +
                     R"(},"usage":)" + usage_json(input_tokens_, output_tokens_, cached_tokens_) +
                     "}";
  push(out, "message_delta", std::move(data));
  push(out, "message_stop", R"({"type":"message_stop"})");
}

}  // namespace tollgate::routing::providers::anthropic
