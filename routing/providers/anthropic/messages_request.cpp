// Field by field, following Anthropic's MessageCreateParams. Content blocks become OpenAI
// content parts, tool_use blocks tool_calls, tool_result blocks tool messages (before the
// rest of their user turn, as OpenAI wants a tool call answered first).
#include "routing/providers/anthropic/messages_request.h"

#include <boost/json.hpp>

#include "routing/providers/anthropic/anthropic_json.h"
#include "routing/providers/common/openai_request_fields.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;
using namespace openai_request;

namespace {

json::object text_part(std::string_view text) {
  return json::object{{"type", "text"}, {"text", text}};
}

std::string_view block_type(const json::object& block, const std::string& param) {
  return need_string(required(block, "type", param), dot(param, "type"));
}

json::object image_part(const json::object& block, const std::string& param) {
  std::string p = dot(param, "source");
  const json::object& source = need_object(required(block, "source", param), p);
  std::string_view kind = need_string(required(source, "type", p), dot(p, "type"));
  std::string url;
  if (kind == "base64") {
    url = "data:" +
          std::string(need_string(required(source, "media_type", p), dot(p, "media_type"))) +
          ";base64," + std::string(need_string(required(source, "data", p), dot(p, "data")));
  } else if (kind == "url") {
    url = need_string(required(source, "url", p), dot(p, "url"));
  } else {
    refuse(dot(p, "type"), "`" + dot(p, "type") + "` must be base64 or url");
  }
  return json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

// A base64 PDF → OpenAI's file part; a plain text document → its text.
json::object document_part(const json::object& block, const std::string& param) {
  std::string p = dot(param, "source");
  const json::object& source = need_object(required(block, "source", param), p);
  std::string_view kind = need_string(required(source, "type", p), dot(p, "type"));
  if (kind == "text") return text_part(need_string(required(source, "data", p), dot(p, "data")));
  auto media = string_field(source, "media_type").value_or("");
  if (kind != "base64" || media != "application/pdf") {
    refuse(p, "`" + p + "` must be a base64 PDF or plain text to reach a non-Anthropic model");
  }
  std::string data = "data:application/pdf;base64," +
                     std::string(need_string(required(source, "data", p), dot(p, "data")));
  json::object file{{"file_data", data}};
  file["filename"] = string_field(block, "title").value_or("document.pdf");
  return json::object{{"type", "file"}, {"file", std::move(file)}};
}

// A tool_result's content as a tool message's text (OpenAI's tool messages hold text).
std::string tool_result_text(const json::object& block, const std::string& param) {
  std::string text;
  if (const json::value* content = present(block, "content")) {
    if (content->is_string()) {
      text = sv(content->get_string());
    } else {
      std::string p = dot(param, "content");
      std::size_t i = 0;
      for (const auto& item : need_array(*content, p)) {
        std::string ip = at(p, i++);
        const json::object& part = need_object(item, ip);
        if (block_type(part, ip) != "text") {
          refuse(ip, "`" + ip + "`: only text tool results reach a non-Anthropic model");
        }
        if (!text.empty()) text += "\n";
        text += need_string(required(part, "text", ip), dot(ip, "text"));
      }
    }
  }
  // OpenAI has no error flag on a tool result: the model reads it in the text.
  const json::value* is_error = present(block, "is_error");
  if (is_error != nullptr && need_bool(*is_error, dot(param, "is_error"))) text = "Error: " + text;
  return text;
}

struct Turn {
  json::array parts;       // text, image_url, file
  json::array tool_calls;  // assistant tool_use blocks
  json::array results;     // user tool_result blocks → tool messages
};

void read_block(const json::object& block, const std::string& param, bool user, Turn& turn) {
  std::string_view type = block_type(block, param);
  if (type == "text") {
    turn.parts.push_back(
        text_part(need_string(required(block, "text", param), dot(param, "text"))));
  } else if (type == "image" && user) {
    turn.parts.push_back(image_part(block, param));
  } else if (type == "document" && user) {
    turn.parts.push_back(document_part(block, param));
  } else if (type == "tool_use" && !user) {
    const json::value& input = required(block, "input", param);
    need_object(input, dot(param, "input"));
    json::object function{{"name", need_string(required(block, "name", param), dot(param, "name"))},
                          {"arguments", to_json(input)}};
    turn.tool_calls.push_back(
        json::object{{"id", need_string(required(block, "id", param), dot(param, "id"))},
                     {"type", "function"},
                     {"function", std::move(function)}});
  } else if (type == "tool_result" && user) {
    std::string id(need_string(required(block, "tool_use_id", param), dot(param, "tool_use_id")));
    turn.results.push_back(json::object{
        {"role", "tool"}, {"tool_call_id", id}, {"content", tool_result_text(block, param)}});
  } else {
    refuse(dot(param, "type"), "content block type '" + std::string(type) + "' is not supported " +
                                   (user ? "in a user turn" : "in an assistant turn") +
                                   " for a non-Anthropic model");
  }
}

// One text part reads better as a string.
json::value compact(json::array parts) {
  if (parts.size() == 1 && parts[0].get_object().at("type").get_string() == "text") {
    return parts[0].get_object().at("text");
  }
  return parts;
}

// What OpenAI's form has no place for, and the first field only Anthropic can take.
struct Extras {
  json::object fields;
  json::array tools;
  json::array blocks;
  std::size_t turns[2] = {0, 0};  // user, assistant turns seen
  std::string only_param;
  std::string only_message;

  void anthropic_only(Refusal& r) {
    if (!only_param.empty()) return;
    // The 400 names the field in its message: Anthropic's error shape has no `param`.
    if (r.message.find(r.param) == std::string::npos) r.message = "`" + r.param + "`: " + r.message;
    only_param = std::move(r.param);
    only_message = std::move(r.message);
  }
  // What the chat form drops of a block it holds (a block of the `turn`-th turn of a role,
  // of `system`, or a tool): its prompt caching mark, a text block's citations.
  json::array marks;
  void mark(std::string_view in, std::size_t turn, std::size_t at, const json::object& holder) {
    for (std::string_view key : {"cache_control", "citations"}) {
      const json::value* mark = present(holder, key);
      if (mark == nullptr) continue;
      marks.push_back(json::object{{"in", in}, {"turn", turn}, {"at", at}, {key, *mark}});
    }
  }

  bool empty() const { return fields.empty() && tools.empty() && blocks.empty() && marks.empty(); }
};

void translate_turn(const json::value& item, const std::string& param, json::array& out,
                    Extras& extras) {
  const json::object& message = need_object(item, param);
  std::string_view role = need_string(required(message, "role", param), dot(param, "role"));
  if (role != "user" && role != "assistant") {
    refuse(dot(param, "role"), "`" + dot(param, "role") + "` must be user or assistant");
  }
  bool user = role == "user";
  const json::value& content = required(message, "content", param);
  std::size_t ordinal = extras.turns[user ? 0 : 1]++;
  Turn turn;
  if (content.is_string()) {
    turn.parts.push_back(text_part(sv(content.get_string())));
  } else {
    std::string p = dot(param, "content");
    std::size_t i = 0;
    for (const auto& item : need_array(content, p)) {
      std::string bp = at(p, i);
      const json::object& block = need_object(item, bp);
      std::string_view type = block_type(block, bp);
      // A block with no chat form is kept aside for an anthropic target; earlier reasoning
      // is dropped for the others (a chat completion takes none back), anything else makes
      // the request Anthropic's only.
      bool reasoning = type == "thinking" || type == "redacted_thinking";
      try {
        if (!reasoning) read_block(block, bp, user, turn);
        if (!reasoning) extras.mark(role, ordinal, i, block);
      } catch (Refusal& r) {
        extras.anthropic_only(r);
        reasoning = true;
      }
      if (reasoning) {
        extras.blocks.push_back(
            json::object{{"role", role}, {"turn", ordinal}, {"at", i}, {"block", block}});
      }
      ++i;
    }
  }
  for (auto& result : turn.results) out.push_back(std::move(result));
  if (!turn.parts.empty() || !turn.tool_calls.empty()) {
    json::object m{{"role", role}};
    m["content"] = turn.parts.empty() ? json::value(nullptr) : compact(std::move(turn.parts));
    if (!turn.tool_calls.empty()) m["tool_calls"] = std::move(turn.tool_calls);
    out.push_back(std::move(m));
  }
}

json::value translate_system(const json::value& v, Extras& extras) {
  if (v.is_string()) return v;
  json::array parts;
  std::size_t i = 0;
  for (const auto& item : need_array(v, "system")) {
    std::string p = at("system", i);
    const json::object& block = need_object(item, p);
    if (block_type(block, p) != "text") refuse(dot(p, "type"), "`system` holds text blocks only");
    parts.push_back(text_part(need_string(required(block, "text", p), dot(p, "text"))));
    extras.mark("system", 0, i++, block);
  }
  return compact(std::move(parts));
}

json::array translate_tools(const json::value& v, Extras& extras) {
  json::array tools;
  std::size_t i = 0;
  for (const auto& item : need_array(v, "tools")) {
    std::string p = at("tools", i++);
    const json::object& tool = need_object(item, p);
    if (auto type = string_field(tool, "type"); type && *type != "custom") {
      Refusal r{dot(p, "type"), "Anthropic's server tool '" + std::string(*type) +
                                    "' is not available for a non-Anthropic model"};
      extras.anthropic_only(r);
      extras.tools.push_back(json::object{{"at", i - 1}, {"tool", tool}});
      continue;
    }
    json::object function{{"name", need_string(required(tool, "name", p), dot(p, "name"))}};
    if (const json::value* d = present(tool, "description")) {
      function["description"] = need_string(*d, dot(p, "description"));
    }
    function["parameters"] = need_object(required(tool, "input_schema", p), dot(p, "input_schema"));
    tools.push_back(json::object{{"type", "function"}, {"function", std::move(function)}});
    extras.mark("tools", 0, i - 1, tool);
  }
  return tools;
}

// tool_choice → OpenAI's, and whether parallel tool calls were switched off.
json::value translate_tool_choice(const json::value& v, bool& no_parallel) {
  const json::object& choice = need_object(v, "tool_choice");
  if (const json::value* off = present(choice, "disable_parallel_tool_use")) {
    no_parallel = need_bool(*off, "tool_choice.disable_parallel_tool_use");
  }
  std::string_view type = block_type(choice, "tool_choice");
  if (type == "auto") return "auto";
  if (type == "any") return "required";
  if (type == "none") return "none";
  if (type == "tool") {
    std::string_view name =
        need_string(required(choice, "name", "tool_choice"), "tool_choice.name");
    return json::object{{"type", "function"}, {"function", json::object{{"name", name}}}};
  }
  refuse("tool_choice.type", "`tool_choice.type` must be auto, any, tool or none");
}

// Extended thinking → OpenAI's reasoning effort, by the budget asked for.
std::string_view reasoning_effort(const json::value& v) {
  const json::object& thinking = need_object(v, "thinking");
  std::string_view type = block_type(thinking, "thinking");
  if (type == "disabled") return {};
  if (type != "enabled" && type != "adaptive") {
    refuse("thinking.type", "`thinking.type` must be enabled, adaptive or disabled");
  }
  std::int64_t budget = 8192;
  if (const json::value* b = present(thinking, "budget_tokens")) {
    budget = need_integer_at_least(*b, "thinking.budget_tokens", 0);
  }
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

struct Translation {
  json::object body;
  json::array system;
  json::array messages;
  bool has_tools = false;
  bool no_parallel = false;
  Extras extras;
};

// long: one branch per top-level field of MessageCreateParams, in the reference's order.
void translate_field(std::string_view key, const json::value& v, bool count_tokens, Translation& t,
                     IngressRequest& result) {
  json::object& body = t.body;
  if (key == "model") {
    body["model"] = need_string(v, "model");
  } else if (key == "messages") {
    std::size_t i = 0;
    for (const auto& item : need_array(v, "messages"))
      translate_turn(item, at("messages", i++), t.messages, t.extras);
  } else if (key == "system") {
    t.system.push_back(
        json::object{{"role", "system"}, {"content", translate_system(v, t.extras)}});
  } else if (key == "max_tokens" && !count_tokens) {
    body["max_tokens"] = need_integer_at_least(v, "max_tokens", 1);
  } else if (key == "stop_sequences") {
    body["stop"] = need_array(v, "stop_sequences");
  } else if (key == "stream" && !count_tokens) {
    result.stream = need_bool(v, "stream");
  } else if (key == "temperature" || key == "top_p") {
    need_number(v, std::string(key));
    body[key] = v;
  } else if (key == "top_k") {
    body["top_k"] = need_integer_at_least(v, "top_k", 1);
  } else if (key == "tools") {
    json::array tools = translate_tools(v, t.extras);
    t.has_tools = !tools.empty();
    if (t.has_tools) body["tools"] = std::move(tools);
  } else if (key == "tool_choice") {
    body["tool_choice"] = translate_tool_choice(v, t.no_parallel);
  } else if (key == "metadata") {
    const json::object& metadata = need_object(v, "metadata");
    if (const json::value* user = present(metadata, "user_id")) {
      body["user"] = need_string(*user, "metadata.user_id");
    }
  } else if (key == "thinking") {
    if (std::string_view effort = reasoning_effort(v); !effort.empty()) {
      body["reasoning_effort"] = effort;
    }
    t.extras.fields["thinking"] = v;  // as the client asked it (budget), for Claude
  } else if (key == "cache_control") {
    need_object(v, "cache_control");  // a hint: kept for Claude, needless for the others
    t.extras.fields["cache_control"] = v;
  } else if (key == "service_tier") {
    need_string(v, "service_tier");  // a hint about Anthropic's capacity: nothing to say here
  } else {
    Refusal r{std::string(key), "`" + std::string(key) +
                                    "` is not supported by the gateway's Messages API for a "
                                    "non-Anthropic model"};
    t.extras.anthropic_only(r);
    t.extras.fields[key] = v;
  }
}

}  // namespace

IngressRequest translate_messages_request(std::string_view anthropic_body, bool count_tokens) {
  IngressRequest result;
  try {
    json::value doc = parse_request(anthropic_body);
    Translation t;
    for (const auto& member : doc.get_object()) {
      if (member.value().is_null()) continue;
      translate_field(member.key(), member.value(), count_tokens, t, result);
    }
    if (t.messages.empty()) refuse("messages", "`messages` must be a non-empty array");
    if (!count_tokens && !t.body.contains("max_tokens")) refuse_required("max_tokens");
    json::object out;
    if (auto* model = t.body.if_contains("model")) out["model"] = std::move(*model);
    json::array messages = std::move(t.system);
    for (auto& m : t.messages) messages.push_back(std::move(m));
    out["messages"] = std::move(messages);
    for (auto& member : t.body) {
      if (!out.contains(member.key())) out[member.key()] = std::move(member.value());
    }
    if (t.no_parallel && t.has_tools) out["parallel_tool_calls"] = false;
    if (result.stream) {
      out["stream"] = true;
      // The usage chunk carries what Anthropic's message_delta must say.
      out["stream_options"] = json::object{{"include_usage", true}};
    }
    result.body = to_json(out);
    if (!t.extras.empty()) {
      json::object extras{{"fields", std::move(t.extras.fields)},
                          {"tools", std::move(t.extras.tools)},
                          {"blocks", std::move(t.extras.blocks)},
                          {"marks", std::move(t.extras.marks)}};
      result.extras = to_json(extras);
      result.only_param = std::move(t.extras.only_param);
      result.only_message = std::move(t.extras.only_message);
    }
    result.ok = true;
  } catch (Refusal& r) {
    result = IngressRequest{};
    result.param = std::move(r.param);
    result.message = std::move(r.message);
  }
  return result;
}

}  // namespace tollgate::routing::providers::anthropic
