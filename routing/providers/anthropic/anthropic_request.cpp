// Field by field, following Anthropic's Messages API reference (MessageCreateParams).
// Every OpenAI field is either translated, accepted at a value that changes nothing
// (n: 1, logprobs: false, ...), ignored as a pure hint (documented), or refused with a
// 400 naming it: never dropped silently. The OpenAI side is read by the shared reader
// (common/openai_request_*.h); this file writes Anthropic's side.
#include "routing/providers/anthropic/anthropic_request.h"

#include <cctype>
#include <cstdint>
#include <optional>

#include <boost/json.hpp>

#include "routing/providers/anthropic/anthropic_json.h"
#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/common/openai_request_messages.h"
#include "routing/providers/common/openai_request_tools.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;
using namespace openai_request;

namespace {

// Refusals say "not supported by the Anthropic provider"; a message's `name` is ignored
// (Anthropic has no participant names; docs/providers.md).
constexpr Dialect kAnthropic{"Anthropic", true};

// An OpenAI `prompt_cache_breakpoint` on a content part marks the end of a reusable
// prefix: Anthropic's `cache_control` on the same block says the same.
void copy_cache_breakpoint(const json::object& part, json::object& block) {
  if (present(part, "prompt_cache_breakpoint") != nullptr) {
    block["cache_control"] = json::object{{"type", "ephemeral"}};
  }
}

json::object text_block(std::string_view text) {
  return json::object{{"type", "text"}, {"text", text}};
}

json::object image_block(const ContentPart& part) {
  // `detail` (auto/low/high) has no Anthropic equivalent: Anthropic sizes images itself.
  std::string p = dot(part.param, "image_url.url");
  json::object source;
  if (auto data = split_data_uri(part.url)) {
    std::string media(data->media_type);
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (media == "image/jpg") media = "image/jpeg";
    if (media != "image/jpeg" && media != "image/png" && media != "image/gif" &&
        media != "image/webp") {
      refuse(p, "image type '" + media +
                    "' is not supported by Anthropic (jpeg, png, gif and webp are)");
    }
    source = json::object{{"type", "base64"}, {"media_type", media}, {"data", data->data}};
  } else if (part.url.starts_with("https://") || part.url.starts_with("http://")) {
    source = json::object{{"type", "url"}, {"url", part.url}};
  } else {
    refuse(p, "`" + p + "` must be an http(s) URL or a base64 data URI (data:image/...)");
  }
  return json::object{{"type", "image"}, {"source", std::move(source)}};
}

// OpenAI's file part with inline PDF data → Anthropic's document block.
json::object document_block(const ContentPart& part) {
  if (part.file.media_type != "application/pdf") {
    std::string p = dot(part.param, "file.file_data");
    refuse(p, "`" + p + "` must be a base64 data URI of a PDF (data:application/pdf;base64,...)");
  }
  json::object block{{"type", "document"},
                     {"source", json::object{{"type", "base64"},
                                             {"media_type", "application/pdf"},
                                             {"data", part.file.data}}}};
  if (!part.filename.empty()) block["title"] = part.filename;
  return block;
}

// A content part as a block; empty text is skipped (Anthropic refuses empty text blocks).
void append_block(const ContentPart& part, json::array& out) {
  json::object block;
  switch (part.kind) {
    case PartKind::text:
    case PartKind::refusal:  // an earlier refusal is what the assistant said: history as text
      if (part.text.empty()) return;
      block = text_block(part.text);
      break;
    case PartKind::image_url:
      block = image_block(part);
      break;
    case PartKind::input_audio:
      no_equivalent(kAnthropic, dot(part.param, "type"), "Anthropic does not take audio input");
    case PartKind::file:
      block = document_block(part);
      break;
  }
  if (part.part != nullptr) copy_cache_breakpoint(*part.part, block);
  out.push_back(std::move(block));
}

void append_content(const json::value& content, const std::string& param, PartsAllowed allowed,
                    json::array& out) {
  for_each_part(content, param, allowed, kAnthropic,
                [&](const ContentPart& part) { append_block(part, out); });
}

void append_tool_calls(const Message& message, json::array& out) {
  for_each_tool_call(message, kAnthropic, [&](ToolCall&& call) {
    if (call.id.empty()) refuse_required(dot(call.param, "id"));
    out.push_back(json::object{{"type", "tool_use"},
                               {"id", call.id},
                               {"name", call.name},
                               {"input", std::move(call.arguments)}});
  });
}

json::object tool_result(const Message& message) {
  json::object block{{"type", "tool_result"}, {"tool_use_id", tool_call_id(message)}};
  if (const json::value* content = message.content) {
    if (content->is_string()) {
      block["content"] = content->get_string();
    } else {
      json::array blocks;
      append_content(*content, dot(message.param, "content"), PartsAllowed::text_only, blocks);
      block["content"] = std::move(blocks);
    }
  }
  return block;
}

struct Conversation {
  json::array system;    // text blocks
  json::array messages;  // {role, content: [blocks]}

  // Consecutive turns of one role become one turn (tool results after tool results,
  // a user's words after tool results): Anthropic alternates user and assistant.
  void add(std::string_view role, json::array blocks) {
    if (blocks.empty()) return;
    if (!messages.empty()) {
      json::object& last = messages.back().get_object();
      if (last.at("role").get_string() == role) {
        json::array& content = last.at("content").get_array();
        for (auto& b : blocks) content.push_back(std::move(b));
        return;
      }
    }
    messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
  }
};

void translate_messages(const json::value& value, Conversation& out) {
  const json::array& messages = need_array(value, "messages");
  if (messages.empty()) refuse("messages", "`messages` must be a non-empty array");
  std::size_t i = 0;
  for (const auto& item : messages) {
    Message m = read_message(item, i++, kAnthropic);
    std::string content_param = dot(m.param, "content");
    json::array blocks;
    switch (m.role) {
      case Role::system:
        // Anthropic takes instructions only as the top-level `system`, wherever they stood.
        append_content(*m.content, content_param, PartsAllowed::text_only, out.system);
        break;
      case Role::user:
        append_content(*m.content, content_param, PartsAllowed::user, blocks);
        out.add("user", std::move(blocks));
        break;
      case Role::assistant:
        if (m.content != nullptr) {
          append_content(*m.content, content_param, PartsAllowed::assistant, blocks);
        }
        append_tool_calls(m, blocks);
        out.add("assistant", std::move(blocks));
        break;
      case Role::tool:
        blocks.push_back(tool_result(m));
        out.add("user", std::move(blocks));
        break;
    }
  }
}

// One text block without cache_control reads better as a plain string.
json::value compact(json::array blocks) {
  if (blocks.size() == 1) {
    const json::object& only = blocks[0].get_object();
    if (only.at("type").get_string() == "text" && only.size() == 2) return only.at("text");
  }
  return blocks;
}

json::array translate_tools(const json::value& value) {
  json::array tools;
  for_each_tool(value, kAnthropic, [&](const FunctionTool& tool) {
    json::object out{{"name", tool.name}};
    if (!tool.description.empty()) out["description"] = tool.description;
    // Anthropic requires an input schema; a function without parameters takes none.
    if (tool.parameters != nullptr) {
      out["input_schema"] = need_object(*tool.parameters, dot(tool.param, "parameters"));
    } else {
      out["input_schema"] = json::object{{"type", "object"}, {"properties", json::object{}}};
    }
    if (tool.strict) out["strict"] = true;
    tools.push_back(std::move(out));
  });
  return tools;
}

json::object translate_tool_choice(const json::value& value) {
  using Mode = ToolChoice::Mode;
  ToolChoice choice = read_tool_choice(value, kAnthropic);
  switch (choice.mode) {
    case Mode::none:
      return {{"type", "none"}};
    case Mode::auto_:
      return {{"type", "auto"}};
    case Mode::required:
      return {{"type", "any"}};
    case Mode::function:
      return {{"type", "tool"}, {"name", choice.name}};
    case Mode::allowed_auto:
    case Mode::allowed_required:
      break;
  }
  no_equivalent(kAnthropic, "tool_choice.type",
                "Anthropic's tool_choice names one tool, any tool or none");
}

// response_format: json_schema → Anthropic's structured outputs (output_config.format);
// json_object → an instruction in the system prompt (no schema-less mode exists).
void translate_response_format(const json::value& value, Conversation& conversation,
                               json::object& body) {
  ResponseFormat format = read_response_format(value);
  if (format.type == ResponseFormat::Type::text) return;
  if (format.type == ResponseFormat::Type::json_object) {
    conversation.system.push_back(text_block(kJsonObjectInstruction));
    return;
  }
  if (format.schema == nullptr) {
    refuse("response_format.json_schema.schema",
           "`response_format.json_schema.schema` is required: Anthropic's structured outputs "
           "need a schema");
  }
  json::object out_format{
      {"type", "json_schema"},
      {"schema", need_object(*format.schema, "response_format.json_schema.schema")}};
  body["output_config"] = json::object{{"format", std::move(out_format)}};
}

struct Unsupported {
  std::string_view key;
  std::string_view why;
};

constexpr Unsupported kUnsupported[] = {
    {"n", "Anthropic returns one choice per request (n must be 1)"},
    {"logprobs", "Anthropic does not return log probabilities"},
    {"top_logprobs", "Anthropic does not return log probabilities"},
    {"presence_penalty", "Anthropic has no presence penalty"},
    {"frequency_penalty", "Anthropic has no frequency penalty"},
    {"logit_bias", "Anthropic has no logit bias"},
    {"seed", "Anthropic has no seed: answers cannot be made reproducible"},
    {"store", "Anthropic has no stored completions"},
    {"service_tier", "only auto and default translate"},
    {"modalities", "Anthropic answers in text only"},
    {"audio", "Anthropic has no audio output"},
    {"prediction", "Anthropic has no predicted outputs"},
    {"web_search_options", "web search is not translated"},
    {"reasoning_effort", "extended thinking is not translated"},
    {"verbosity", "Anthropic has no verbosity setting"},
    {"moderation", "Anthropic has no moderation setting"},
    {"functions", "the deprecated functions field; use tools"},
    {"function_call", "the deprecated function_call field; use tool_choice"},
};

// The request being built from the OpenAI fields, in whatever order they come.
struct Request {
  explicit Request(TranslatedRequest& r) : result(r) {}

  TranslatedRequest& result;
  Conversation conversation;
  json::object body;
  std::int64_t max_tokens = kDefaultMaxTokens;
  bool max_completion_tokens = false;  // sent: it wins over max_tokens
  const json::value* tool_choice = nullptr;
  const json::value* response_format = nullptr;
  std::optional<bool> parallel_tool_calls;
  bool has_tools = false;
  std::optional<std::string_view> user;
};

// A field with no Anthropic translation: accepted at its neutral value, else a 400.
void refuse_untranslated(const std::string& key, const json::value& v) {
  for (const auto& u : kUnsupported) {
    if (u.key != key) continue;
    if (!is_neutral(key, v)) no_equivalent(kAnthropic, key, u.why);
    return;
  }
  refuse(key, "unknown field `" + key +
                  "`: the Anthropic provider translates the Chat Completions fields only");
}

// One top-level field of the OpenAI request (messages and not-null fields alike).
void translate_field(const std::string& key, const json::value& v, Request& request) {
  // model: the target decides; the bookkeeping hints mean nothing to Anthropic.
  if (key == "model" || is_openai_bookkeeping(key)) return;
  if (key == "messages") return translate_messages(v, request.conversation);
  if (v.is_null()) return;  // null means "the default" in OpenAI's API
  json::object& body = request.body;
  if (key == "stream") {
    request.result.stream = need_bool(v, key);
  } else if (key == "stream_options") {
    request.result.include_usage = read_include_usage(v);
  } else if (key == "max_tokens") {
    std::int64_t n = need_integer_at_least(v, key, 1);
    if (!request.max_completion_tokens) request.max_tokens = n;
  } else if (key == "max_completion_tokens") {
    request.max_completion_tokens = true;
    request.max_tokens = need_integer_at_least(v, key, 1);
  } else if (key == "temperature") {
    double t = need_number(v, key);
    if (t < 0.0 || t > 1.0) {
      refuse(key,
             "`temperature` must be between 0 and 1 for Anthropic (OpenAI allows up to 2; "
             "Anthropic's scale ends at 1)");
    }
    body["temperature"] = v;
  } else if (key == "top_p") {
    need_number(v, key);
    body["top_p"] = v;
  } else if (key == "top_k") {
    // Not OpenAI's, but common among OpenAI-compatible servers and native to Anthropic.
    body["top_k"] = need_integer_at_least(v, key, 1);
  } else if (key == "stop") {
    if (json::array sequences = read_stop(v); !sequences.empty()) {
      body["stop_sequences"] = std::move(sequences);
    }
  } else if (key == "tools") {
    json::array tools = translate_tools(v);
    request.has_tools = !tools.empty();
    if (request.has_tools) body["tools"] = std::move(tools);
  } else if (key == "tool_choice") {
    request.tool_choice = &v;
  } else if (key == "parallel_tool_calls") {
    request.parallel_tool_calls = need_bool(v, key);
  } else if (key == "response_format") {
    request.response_format = &v;
  } else if (key == "user" || key == "safety_identifier") {
    std::string_view id = need_string(v, key);
    if (key == "safety_identifier" || !request.user) request.user = id;  // the newer name wins
  } else {
    refuse_untranslated(key, v);
  }
}

// The fields that depend on others (tool_choice on tools, the system prompt on
// response_format), then the Messages API body with its keys in a readable order.
std::string finish_body(Request& request) {
  Conversation& conversation = request.conversation;
  json::object& body = request.body;
  if (conversation.messages.empty() && conversation.system.empty()) {
    refuse("messages", "`messages` is required");
  }
  if (request.response_format != nullptr) {
    translate_response_format(*request.response_format, conversation, body);
  }
  if (request.tool_choice != nullptr)
    body["tool_choice"] = translate_tool_choice(*request.tool_choice);
  if (request.parallel_tool_calls == false && request.has_tools) {
    if (!body.contains("tool_choice")) body["tool_choice"] = json::object{{"type", "auto"}};
    json::object& choice = body["tool_choice"].get_object();
    if (choice.at("type").get_string() != "none") choice["disable_parallel_tool_use"] = true;
  }
  body["max_tokens"] = request.max_tokens;
  if (!conversation.system.empty()) body["system"] = compact(std::move(conversation.system));
  json::array messages;
  for (auto& m : conversation.messages) {
    json::object& message = m.get_object();
    message["content"] = compact(std::move(message.at("content").get_array()));
    messages.push_back(std::move(message));
  }
  body["messages"] = std::move(messages);
  if (request.user) body["metadata"] = json::object{{"user_id", *request.user}};
  if (request.result.stream) body["stream"] = true;

  // Anthropic reads keys in any order; this order reads well in logs and tests.
  json::object ordered;
  for (std::string_view k : {"model", "system", "messages", "max_tokens"}) {
    if (auto* v = body.if_contains(k)) ordered[k] = std::move(*v);
  }
  for (auto& member : body) {
    if (!ordered.contains(member.key())) ordered[member.key()] = std::move(member.value());
  }
  return to_json(ordered);
}

}  // namespace

TranslatedRequest translate_request(std::string_view openai_body, std::string_view model) {
  TranslatedRequest result;
  try {
    json::value doc = parse_request(openai_body);
    Request request{result};
    request.body["model"] = model;
    for (const auto& member : doc.get_object()) {
      translate_field(std::string(member.key()), member.value(), request);
    }
    result.body = finish_body(request);
    result.ok = true;
  } catch (Refusal& r) {
    result = TranslatedRequest{};
    result.param = std::move(r.param);
    result.message = std::move(r.message);
  }
  return result;
}

core::Response refusal_response(const TranslatedRequest& refused) {
  return openai_request::refusal_response(refused.param, refused.message);
}

std::string messages_target(std::string_view base_path) {
  std::string out(base_path);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += out.ends_with("/v1") ? "/messages" : "/v1/messages";
  return out;
}

}  // namespace tollgate::routing::providers::anthropic
