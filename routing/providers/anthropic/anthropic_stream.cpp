#include "routing/providers/anthropic/anthropic_stream.h"

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/anthropic/anthropic_json.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

StreamTranslator::StreamTranslator(AnswerContext context, bool include_usage)
    : context_(std::move(context)), include_usage_(include_usage) {}

std::string StreamTranslator::chunk(std::string_view delta_json,
                                    std::string_view finish_reason) const {
  std::string out = R"({"id":)";
  core::append_json_string(out, context_.id);
  out += R"(,"object":"chat.completion.chunk","created":)" + std::to_string(context_.created) +
         R"(,"model":)";
  core::append_json_string(out, context_.model);
  out += R"(,"choices":[{"index":0,"delta":)";
  out += delta_json;
  out += R"(,"logprobs":null,"finish_reason":)";
  if (finish_reason.empty()) {
    out += "null";
  } else {
    core::append_json_string(out, finish_reason);
  }
  out += "}]";
  if (include_usage_) out += R"(,"usage":null)";  // as OpenAI: null but in the last chunk
  out += "}";
  return out;
}

void StreamTranslator::ensure_role(std::vector<std::string>& out) {
  if (role_sent_) return;
  role_sent_ = true;
  out.push_back(chunk(R"({"role":"assistant","content":""})", {}));
}

void StreamTranslator::emit(std::string_view delta_json, std::vector<std::string>& out) {
  ensure_role(out);
  out.push_back(chunk(delta_json, {}));
}

void StreamTranslator::emit_text(std::string_view text, std::vector<std::string>& out) {
  std::string delta = R"({"content":)";
  core::append_json_string(delta, text);
  delta += "}";
  emit(delta, out);
}

void StreamTranslator::emit_arguments(int tool_index, std::string_view arguments,
                                      std::vector<std::string>& out) {
  std::string delta =
      R"({"tool_calls":[{"index":)" + std::to_string(tool_index) + R"(,"function":{"arguments":)";
  core::append_json_string(delta, arguments);
  delta += "}}]}";
  emit(delta, out);
}

void StreamTranslator::emit_kept(const json::object& kept, std::vector<std::string>& out) {
  std::string delta = "{\"" + std::string(kKeptMember) + "\":";
  write_json(delta, kept);
  delta += "}";
  emit(delta, out);
}

void StreamTranslator::on_event(std::string_view event, std::string_view data,
                                std::vector<std::string>& out) {
  if (finished_ || error_) return;
  boost::system::error_code ec;
  json::value doc = json::parse(data, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return;  // not JSON: nothing Anthropic documents
  const json::object& payload = doc.get_object();
  std::string_view type = string_field(payload, "type").value_or(event);
  if (type == "message_start") {
    on_message_start(payload);
  } else if (type == "content_block_start") {
    on_block_start(payload, out);
  } else if (type == "content_block_delta") {
    on_block_delta(payload, out);
  } else if (type == "content_block_stop") {
    on_block_stop(payload, out);
  } else if (type == "message_delta") {
    on_message_delta(payload, out);
  } else if (type == "message_stop") {
    on_message_stop(out);
  } else if (type == "error") {
    on_error(payload, data);
  }
  // ping, and event types Anthropic adds later: nothing to say.
}

void StreamTranslator::on_message_start(const json::object& payload) {
  const json::value* message = field(payload, "message");
  if (message == nullptr || !message->is_object()) return;
  const json::object& m = message->get_object();
  if (auto id = string_field(m, "id"); id && !id->empty()) context_.id = completion_id(*id);
  if (auto model = string_field(m, "model"); model && !model->empty()) {
    context_.model = std::string(*model);
  }
  if (const json::value* usage = field(m, "usage"); usage != nullptr && usage->is_object()) {
    usage_.read(usage->get_object());
  }
}

void StreamTranslator::on_block_start(const json::object& payload, std::vector<std::string>& out) {
  const json::value* block_value = field(payload, "content_block");
  if (block_value == nullptr || !block_value->is_object()) return;
  const json::object& cb = block_value->get_object();
  Block block;
  std::string_view kind = string_field(cb, "type").value_or("");
  if (kind == "text") {
    block.kind = BlockKind::text;
    std::string_view text = string_field(cb, "text").value_or("");
    if (context_.keep_blocks) {
      // Each block opens on its own (citations stay with theirs); its text goes as content.
      json::object start = cb;
      start["text"] = "";
      emit_kept(json::object{{"start", std::move(start)}}, out);
    }
    if (!text.empty()) emit_text(text, out);
  } else if (kind == "tool_use") {
    block.kind = BlockKind::tool_use;
    block.tool_index = tool_calls_++;
    if (const json::value* input = field(cb, "input");
        input != nullptr && input->is_object() && !input->get_object().empty()) {
      block.start_input = to_json(*input);
    }
    std::string delta =
        R"({"tool_calls":[{"index":)" + std::to_string(block.tool_index) + R"(,"id":)";
    core::append_json_string(delta, string_field(cb, "id").value_or(""));
    delta += R"(,"type":"function","function":{"name":)";
    core::append_json_string(delta, string_field(cb, "name").value_or(""));
    delta += R"(,"arguments":""}}]})";
    emit(delta, out);
  } else if (context_.keep_blocks) {
    // thinking, redacted_thinking, server tool blocks: whole for an Anthropic client
    block.kind = BlockKind::kept;
    emit_kept(json::object{{"start", *block_value}}, out);
  }
  // otherwise not part of a chat completion: ignored.
  blocks_[int_field(payload, "index")] = std::move(block);
}

void StreamTranslator::on_block_delta(const json::object& payload, std::vector<std::string>& out) {
  auto it = blocks_.find(int_field(payload, "index"));
  const json::value* delta_value = field(payload, "delta");
  if (it == blocks_.end() || delta_value == nullptr || !delta_value->is_object()) return;
  Block& block = it->second;
  const json::object& d = delta_value->get_object();
  std::string_view kind = string_field(d, "type").value_or("");
  if (block.kind == BlockKind::text && kind == "text_delta") {
    std::string_view text = string_field(d, "text").value_or("");
    if (!text.empty()) emit_text(text, out);
  } else if (block.kind == BlockKind::tool_use && kind == "input_json_delta") {
    std::string_view partial = string_field(d, "partial_json").value_or("");
    if (partial.empty()) return;
    block.got_arguments = true;
    emit_arguments(block.tool_index, partial, out);
  } else if (context_.keep_blocks && (block.kind == BlockKind::kept || kind == "citations_delta")) {
    emit_kept(json::object{{"delta", *delta_value}},
              out);  // thinking, signature, citations, server tool input
  }
  // Otherwise (an OpenAI client) nothing to say in OpenAI's terms.
}

void StreamTranslator::on_block_stop(const json::object& payload, std::vector<std::string>& out) {
  auto it = blocks_.find(int_field(payload, "index"));
  if (it == blocks_.end()) return;
  Block& block = it->second;
  if (block.kind == BlockKind::tool_use && !block.got_arguments && !block.start_input.empty()) {
    emit_arguments(block.tool_index, block.start_input, out);
  }
}

void StreamTranslator::on_message_delta(const json::object& payload,
                                        std::vector<std::string>& out) {
  if (const json::value* usage = field(payload, "usage"); usage != nullptr && usage->is_object()) {
    usage_.read(usage->get_object());  // cumulative counts
  }
  const json::value* delta_value = field(payload, "delta");
  if (delta_value == nullptr || !delta_value->is_object()) return;
  auto stop_reason = string_field(delta_value->get_object(), "stop_reason");
  if (!stop_reason || finish_sent_) return;
  if (context_.keep_blocks) {
    // Anthropic's own words (pause_turn, stop_sequence and which one) for its client.
    json::object said{{"stop_reason", *stop_reason}};
    if (auto sequence = string_field(delta_value->get_object(), "stop_sequence")) {
      said["stop_sequence"] = *sequence;
    }
    emit_kept(said, out);
  }
  finish_reason_ = std::string(map_stop_reason(*stop_reason));
  refused_ = *stop_reason == "refusal";
  ensure_role(out);
  out.push_back(chunk("{}", finish_reason_));
  finish_sent_ = true;
}

void StreamTranslator::on_message_stop(std::vector<std::string>& out) {
  if (!finish_sent_) {
    // No stop reason was given: the answer ended naturally.
    ensure_role(out);
    finish_reason_ = "stop";
    out.push_back(chunk("{}", finish_reason_));
    finish_sent_ = true;
  }
  if (include_usage_) {
    std::string usage = R"({"id":)";
    core::append_json_string(usage, context_.id);
    usage += R"(,"object":"chat.completion.chunk","created":)" + std::to_string(context_.created) +
             R"(,"model":)";
    core::append_json_string(usage, context_.model);
    usage += R"(,"choices":[],"usage":)" + usage_.openai_json() + "}";
    out.push_back(std::move(usage));
  }
  out.emplace_back("[DONE]");
  finished_ = true;
}

void StreamTranslator::on_error(const json::object& payload, std::string_view data) {
  std::string error_type;
  if (const json::value* e = field(payload, "error"); e != nullptr && e->is_object()) {
    error_type = std::string(string_field(e->get_object(), "type").value_or(""));
  }
  error_ = map_error(status_for_error_type(error_type), data);
}

}  // namespace tollgate::routing::providers::anthropic
