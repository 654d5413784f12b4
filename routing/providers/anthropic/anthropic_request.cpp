// Field by field, following Anthropic's Messages API reference (MessageCreateParams).
// Every OpenAI field is either translated, accepted at a value that changes nothing
// (n: 1, logprobs: false, ...), ignored as a pure hint (documented), or refused with a
// 400 naming it: never dropped silently.
#include "routing/providers/anthropic/anthropic_request.h"

#include <cctype>
#include <cstdint>
#include <optional>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/anthropic/anthropic_json.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

namespace {

struct Refusal {
  std::string param;
  std::string message;
};

[[noreturn]] void refuse(std::string param, std::string message) {
  throw Refusal{std::move(param), std::move(message)};
}

[[noreturn]] void no_equivalent(const std::string& param, std::string_view why) {
  refuse(param, "`" + param + "` is not supported by the Anthropic provider: " + std::string(why));
}

std::string at(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string dot(std::string_view base, std::string_view key) {
  return std::string(base) + "." + std::string(key);
}

const json::object& need_object(const json::value& v, const std::string& param) {
  if (!v.is_object()) refuse(param, "`" + param + "` must be an object");
  return v.get_object();
}

std::string_view need_string(const json::value& v, const std::string& param) {
  if (!v.is_string()) refuse(param, "`" + param + "` must be a string");
  return sv(v.get_string());
}

double need_number(const json::value& v, const std::string& param) {
  if (!v.is_number()) refuse(param, "`" + param + "` must be a number");
  return v.to_number<double>();
}

std::int64_t need_positive_int(const json::value& v, const std::string& param) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    refuse(param, "`" + param + "` must be an integer");
  }
  if (n < 1) refuse(param, "`" + param + "` must be at least 1");
  return n;
}

bool is_zero(const json::value& v) {
  return v.is_number() && v.to_number<double>() == 0.0;
}

// An OpenAI `prompt_cache_breakpoint` on a content part marks the end of a reusable
// prefix: Anthropic's `cache_control` on the same block says the same.
void copy_cache_breakpoint(const json::object& part, json::object& block) {
  if (const json::value* b = field(part, "prompt_cache_breakpoint");
      b != nullptr && !b->is_null()) {
    block["cache_control"] = json::object{{"type", "ephemeral"}};
  }
}

json::object text_block(std::string_view text) {
  return json::object{{"type", "text"}, {"text", text}};
}

// A content part of type "text" (the only kind system, developer and tool messages take).
json::object text_part(const json::object& part, const std::string& param) {
  const json::value* text = field(part, "text");
  if (text == nullptr) refuse(dot(param, "text"), "`" + dot(param, "text") + "` is required");
  json::object block = text_block(need_string(*text, dot(param, "text")));
  copy_cache_breakpoint(part, block);
  return block;
}

std::string_view part_type(const json::object& part, const std::string& param) {
  const json::value* type = field(part, "type");
  if (type == nullptr) refuse(dot(param, "type"), "`" + dot(param, "type") + "` is required");
  return need_string(*type, dot(param, "type"));
}

// Text-only content (string or array of text parts) as text blocks; empty text is skipped
// (Anthropic refuses empty text blocks).
void text_content(const json::value& content, const std::string& param, json::array& out) {
  if (content.is_string()) {
    if (!content.get_string().empty()) out.push_back(text_block(sv(content.get_string())));
    return;
  }
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array of parts");
  std::size_t j = 0;
  for (const auto& item : content.get_array()) {
    std::string p = at(param, j++);
    const json::object& part = need_object(item, p);
    std::string_view type = part_type(part, p);
    if (type != "text") {
      refuse(dot(p, "type"), "`" + dot(p, "type") + "` '" + std::string(type) +
                                 "' is not allowed here: this message takes text parts only");
    }
    json::object block = text_part(part, p);
    if (!block.at("text").get_string().empty()) out.push_back(std::move(block));
  }
}

// "data:image/png;base64,AAAA" → media type and data; false when not a base64 data URI.
bool split_data_uri(std::string_view uri, std::string_view& media_type, std::string_view& data) {
  if (!uri.starts_with("data:")) return false;
  std::size_t comma = uri.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = uri.substr(5, comma - 5);
  constexpr std::string_view kBase64 = ";base64";
  if (!meta.ends_with(kBase64)) return false;
  media_type = meta.substr(0, meta.size() - kBase64.size());
  if (std::size_t semi = media_type.find(';'); semi != std::string_view::npos) {
    media_type = media_type.substr(0, semi);  // parameters such as charset
  }
  data = uri.substr(comma + 1);
  return true;
}

json::object image_block(const json::object& part, const std::string& param) {
  const json::value* image = field(part, "image_url");
  std::string p = dot(param, "image_url");
  if (image == nullptr) refuse(p, "`" + p + "` is required");
  const json::object& obj = need_object(*image, p);
  const json::value* url_value = field(obj, "url");
  if (url_value == nullptr) refuse(dot(p, "url"), "`" + dot(p, "url") + "` is required");
  std::string_view url = need_string(*url_value, dot(p, "url"));
  // `detail` (auto/low/high) has no Anthropic equivalent: Anthropic sizes images itself.
  json::object source;
  std::string_view media_type, data;
  if (split_data_uri(url, media_type, data)) {
    std::string media(media_type);
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (media == "image/jpg") media = "image/jpeg";
    if (media != "image/jpeg" && media != "image/png" && media != "image/gif" &&
        media != "image/webp") {
      refuse(dot(p, "url"), "image type '" + media +
                                "' is not supported by Anthropic (jpeg, png, gif and webp are)");
    }
    source = json::object{{"type", "base64"}, {"media_type", media}, {"data", data}};
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    source = json::object{{"type", "url"}, {"url", url}};
  } else {
    refuse(dot(p, "url"),
           "`" + dot(p, "url") + "` must be an http(s) URL or a base64 data URI (data:image/...)");
  }
  json::object block{{"type", "image"}, {"source", std::move(source)}};
  copy_cache_breakpoint(part, block);
  return block;
}

// OpenAI's file part with inline PDF data → Anthropic's document block.
json::object document_block(const json::object& part, const std::string& param) {
  std::string p = dot(param, "file");
  const json::value* file = field(part, "file");
  if (file == nullptr) refuse(p, "`" + p + "` is required");
  const json::object& obj = need_object(*file, p);
  if (field(obj, "file_id") != nullptr) {
    no_equivalent(dot(p, "file_id"), "OpenAI file ids mean nothing to Anthropic; send file_data");
  }
  const json::value* data_value = field(obj, "file_data");
  if (data_value == nullptr)
    refuse(dot(p, "file_data"), "`" + dot(p, "file_data") + "` is required");
  std::string_view uri = need_string(*data_value, dot(p, "file_data"));
  std::string_view media_type, data;
  if (!split_data_uri(uri, media_type, data) || media_type != "application/pdf") {
    refuse(dot(p, "file_data"), "`" + dot(p, "file_data") +
                                    "` must be a base64 data URI of a PDF "
                                    "(data:application/pdf;base64,...)");
  }
  json::object block{
      {"type", "document"},
      {"source",
       json::object{{"type", "base64"}, {"media_type", "application/pdf"}, {"data", data}}}};
  if (auto name = string_field(obj, "filename"); name && !name->empty()) block["title"] = *name;
  copy_cache_breakpoint(part, block);
  return block;
}

void user_content(const json::value& content, const std::string& param, json::array& out) {
  if (content.is_string()) {
    if (!content.get_string().empty()) out.push_back(text_block(sv(content.get_string())));
    return;
  }
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array of parts");
  std::size_t j = 0;
  for (const auto& item : content.get_array()) {
    std::string p = at(param, j++);
    const json::object& part = need_object(item, p);
    std::string_view type = part_type(part, p);
    if (type == "text") {
      json::object block = text_part(part, p);
      if (!block.at("text").get_string().empty()) out.push_back(std::move(block));
    } else if (type == "image_url") {
      out.push_back(image_block(part, p));
    } else if (type == "file") {
      out.push_back(document_block(part, p));
    } else if (type == "input_audio") {
      no_equivalent(dot(p, "type"), "Anthropic does not take audio input");
    } else {
      refuse(dot(p, "type"), "unknown content part type '" + std::string(type) + "'");
    }
  }
}

void assistant_content(const json::value& content, const std::string& param, json::array& out) {
  if (content.is_null()) return;
  if (content.is_string()) {
    if (!content.get_string().empty()) out.push_back(text_block(sv(content.get_string())));
    return;
  }
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array of parts");
  std::size_t j = 0;
  for (const auto& item : content.get_array()) {
    std::string p = at(param, j++);
    const json::object& part = need_object(item, p);
    std::string_view type = part_type(part, p);
    std::string_view text;
    if (type == "text") {
      json::object block = text_part(part, p);
      if (!block.at("text").get_string().empty()) out.push_back(std::move(block));
      continue;
    }
    if (type != "refusal") {
      refuse(dot(p, "type"),
             "assistant content parts are text or refusal, not '" + std::string(type) + "'");
    }
    // An earlier refusal is what the assistant said: history as text.
    const json::value* refusal = field(part, "refusal");
    if (refusal == nullptr) refuse(dot(p, "refusal"), "`" + dot(p, "refusal") + "` is required");
    text = need_string(*refusal, dot(p, "refusal"));
    if (!text.empty()) out.push_back(text_block(text));
  }
}

void tool_calls(const json::value& calls, const std::string& param, json::array& out) {
  if (calls.is_null()) return;
  if (!calls.is_array()) refuse(param, "`" + param + "` must be an array");
  std::size_t j = 0;
  for (const auto& item : calls.get_array()) {
    std::string p = at(param, j++);
    const json::object& call = need_object(item, p);
    if (auto type = string_field(call, "type"); type && *type != "function") {
      no_equivalent(dot(p, "type"), "only function tool calls translate to tool_use blocks");
    }
    const json::value* id = field(call, "id");
    if (id == nullptr) refuse(dot(p, "id"), "`" + dot(p, "id") + "` is required");
    const json::value* function = field(call, "function");
    if (function == nullptr) refuse(dot(p, "function"), "`" + dot(p, "function") + "` is required");
    std::string fp = dot(p, "function");
    const json::object& fn = need_object(*function, fp);
    const json::value* name = field(fn, "name");
    if (name == nullptr) refuse(dot(fp, "name"), "`" + dot(fp, "name") + "` is required");
    json::value input = json::object{};
    if (const json::value* args = field(fn, "arguments"); args != nullptr && !args->is_null()) {
      std::string_view text = need_string(*args, dot(fp, "arguments"));
      if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        boost::system::error_code ec;
        input = json::parse(text, ec, {}, core::bounded_json_options());
        if (ec || !input.is_object()) {
          refuse(dot(fp, "arguments"), "`" + dot(fp, "arguments") +
                                           "` must be a JSON object in a string (Anthropic "
                                           "keeps tool inputs as objects)");
        }
      }
    }
    out.push_back(json::object{{"type", "tool_use"},
                               {"id", need_string(*id, dot(p, "id"))},
                               {"name", need_string(*name, dot(fp, "name"))},
                               {"input", std::move(input)}});
  }
}

json::object tool_result(const json::object& message, const std::string& param) {
  const json::value* id = field(message, "tool_call_id");
  if (id == nullptr)
    refuse(dot(param, "tool_call_id"), "`" + dot(param, "tool_call_id") + "` is required");
  json::object block{{"type", "tool_result"},
                     {"tool_use_id", need_string(*id, dot(param, "tool_call_id"))}};
  if (const json::value* content = field(message, "content"); content != nullptr) {
    std::string p = dot(param, "content");
    if (content->is_string()) {
      block["content"] = content->get_string();
    } else if (!content->is_null()) {
      json::array blocks;
      text_content(*content, p, blocks);
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

void check_message_keys(const json::object& message, std::string_view role,
                        const std::string& param) {
  for (const auto& member : message) {
    std::string_view key = member.key();
    if (key == "role" || key == "content" || key == "name") continue;  // name: see docs
    if (role == "assistant" && (key == "tool_calls" || key == "refusal")) continue;
    if (role == "tool" && key == "tool_call_id") continue;
    if (member.value().is_null()) continue;
    if (role == "assistant" && key == "function_call") {
      no_equivalent(dot(param, key), "the deprecated function_call; use tool_calls");
    }
    if (role == "assistant" && key == "audio") {
      no_equivalent(dot(param, key), "Anthropic has no audio output");
    }
    refuse(dot(param, key),
           "unknown field `" + dot(param, key) + "` in a " + std::string(role) + " message");
  }
}

void translate_messages(const json::value& value, Conversation& out) {
  if (!value.is_array() || value.get_array().empty()) {
    refuse("messages", "`messages` must be a non-empty array");
  }
  std::size_t i = 0;
  for (const auto& item : value.get_array()) {
    std::string p = at("messages", i++);
    const json::object& message = need_object(item, p);
    const json::value* role_value = field(message, "role");
    if (role_value == nullptr) refuse(dot(p, "role"), "`" + dot(p, "role") + "` is required");
    std::string_view role = need_string(*role_value, dot(p, "role"));
    check_message_keys(message, role, p);
    const json::value* content = field(message, "content");
    json::array blocks;
    if (role == "system" || role == "developer") {
      // Anthropic takes instructions only as the top-level `system`, wherever they stood.
      if (content == nullptr) refuse(dot(p, "content"), "`" + dot(p, "content") + "` is required");
      text_content(*content, dot(p, "content"), out.system);
    } else if (role == "user") {
      if (content == nullptr) refuse(dot(p, "content"), "`" + dot(p, "content") + "` is required");
      user_content(*content, dot(p, "content"), blocks);
      out.add("user", std::move(blocks));
    } else if (role == "assistant") {
      if (content != nullptr) assistant_content(*content, dot(p, "content"), blocks);
      if (const json::value* calls = field(message, "tool_calls")) {
        tool_calls(*calls, dot(p, "tool_calls"), blocks);
      }
      out.add("assistant", std::move(blocks));
    } else if (role == "tool") {
      blocks.push_back(tool_result(message, p));
      out.add("user", std::move(blocks));
    } else if (role == "function") {
      no_equivalent(dot(p, "role"), "the deprecated function role; use tool messages");
    } else {
      refuse(dot(p, "role"), "unknown role '" + std::string(role) + "'");
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
  if (!value.is_array()) refuse("tools", "`tools` must be an array");
  json::array tools;
  std::size_t i = 0;
  for (const auto& item : value.get_array()) {
    std::string p = at("tools", i++);
    const json::object& tool = need_object(item, p);
    std::string_view type = "function";
    if (const json::value* t = field(tool, "type")) type = need_string(*t, dot(p, "type"));
    if (type != "function") {
      no_equivalent(dot(p, "type"),
                    "only function tools translate (not '" + std::string(type) + "')");
    }
    const json::value* function = field(tool, "function");
    std::string fp = dot(p, "function");
    if (function == nullptr) refuse(fp, "`" + fp + "` is required");
    const json::object& fn = need_object(*function, fp);
    const json::value* name = field(fn, "name");
    if (name == nullptr) refuse(dot(fp, "name"), "`" + dot(fp, "name") + "` is required");
    json::object out{{"name", need_string(*name, dot(fp, "name"))}};
    if (const json::value* d = field(fn, "description"); d != nullptr && !d->is_null()) {
      out["description"] = need_string(*d, dot(fp, "description"));
    }
    // Anthropic requires an input schema; a function without parameters takes none.
    const json::value* params = field(fn, "parameters");
    if (params != nullptr && !params->is_null()) {
      out["input_schema"] = need_object(*params, dot(fp, "parameters"));
    } else {
      out["input_schema"] = json::object{{"type", "object"}, {"properties", json::object{}}};
    }
    if (const json::value* strict = field(fn, "strict"); strict != nullptr && !strict->is_null()) {
      if (!strict->is_bool())
        refuse(dot(fp, "strict"), "`" + dot(fp, "strict") + "` must be a boolean");
      if (strict->get_bool()) out["strict"] = true;
    }
    for (const auto& member : fn) {
      std::string_view key = member.key();
      if (key != "name" && key != "description" && key != "parameters" && key != "strict") {
        refuse(dot(fp, key), "unknown field `" + dot(fp, key) + "`");
      }
    }
    tools.push_back(std::move(out));
  }
  return tools;
}

json::object translate_tool_choice(const json::value& value) {
  if (value.is_string()) {
    std::string_view mode = sv(value.get_string());
    if (mode == "auto") return {{"type", "auto"}};
    if (mode == "none") return {{"type", "none"}};
    if (mode == "required") return {{"type", "any"}};
    refuse("tool_choice", "`tool_choice` must be none, auto, required or a named function");
  }
  const json::object& choice = need_object(value, "tool_choice");
  std::string_view type = string_field(choice, "type").value_or("");
  if (type == "function") {
    const json::value* function = field(choice, "function");
    if (function == nullptr) refuse("tool_choice.function", "`tool_choice.function` is required");
    const json::object& fn = need_object(*function, "tool_choice.function");
    const json::value* name = field(fn, "name");
    if (name == nullptr)
      refuse("tool_choice.function.name", "`tool_choice.function.name` is required");
    return {{"type", "tool"}, {"name", need_string(*name, "tool_choice.function.name")}};
  }
  if (type == "allowed_tools" || type == "custom") {
    no_equivalent("tool_choice.type", "Anthropic's tool_choice names one tool, any tool or none");
  }
  refuse("tool_choice.type", "`tool_choice.type` must be function");
}

// response_format: json_schema → Anthropic's structured outputs (output_config.format);
// json_object → an instruction in the system prompt (no schema-less mode exists).
void translate_response_format(const json::value& value, Conversation& conversation,
                               json::object& body) {
  const json::object& format = need_object(value, "response_format");
  const json::value* type_value = field(format, "type");
  if (type_value == nullptr) refuse("response_format.type", "`response_format.type` is required");
  std::string_view type = need_string(*type_value, "response_format.type");
  if (type == "text") return;
  if (type == "json_object") {
    conversation.system.push_back(text_block(kJsonObjectInstruction));
    return;
  }
  if (type != "json_schema") {
    refuse("response_format.type",
           "`response_format.type` must be text, json_object or json_schema");
  }
  const json::value* spec = field(format, "json_schema");
  if (spec == nullptr)
    refuse("response_format.json_schema", "`response_format.json_schema` is required");
  const json::object& js = need_object(*spec, "response_format.json_schema");
  const json::value* schema = field(js, "schema");
  if (schema == nullptr || schema->is_null()) {
    refuse("response_format.json_schema.schema",
           "`response_format.json_schema.schema` is required: Anthropic's structured outputs "
           "need a schema");
  }
  json::object out_format{{"type", "json_schema"},
                          {"schema", need_object(*schema, "response_format.json_schema.schema")}};
  body["output_config"] = json::object{{"format", std::move(out_format)}};
}

// Fields accepted only at the value that changes nothing; anything else is a 400.
bool neutral(std::string_view key, const json::value& v) {
  if (v.is_null()) return true;
  if (key == "n") return v.is_number() && v.to_number<double>() == 1.0;
  if (key == "logprobs" || key == "store") return v.is_bool() && !v.get_bool();
  if (key == "top_logprobs" || key == "presence_penalty" || key == "frequency_penalty") {
    return is_zero(v);
  }
  if (key == "logit_bias") return v.is_object() && v.get_object().empty();
  if (key == "service_tier") {
    return v.is_string() && (v.get_string() == "auto" || v.get_string() == "default");
  }
  if (key == "modalities") {
    return v.is_array() && v.get_array().size() == 1 && v.get_array()[0].is_string() &&
           v.get_array()[0].get_string() == "text";
  }
  return false;
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

}  // namespace

TranslatedRequest translate_request(std::string_view openai_body, std::string_view model) {
  TranslatedRequest result;
  try {
    boost::system::error_code ec;
    json::value doc = json::parse(openai_body, ec, {}, core::bounded_json_options());
    if (ec || !doc.is_object()) refuse("", "the request body must be a JSON object");
    const json::object& in = doc.get_object();

    Conversation conversation;
    json::object body;
    body["model"] = model;
    std::int64_t max_tokens = kDefaultMaxTokens;
    const json::value* max_completion = nullptr;
    const json::value* tool_choice = nullptr;
    const json::value* response_format = nullptr;
    std::optional<bool> parallel_tool_calls;
    bool has_tools = false;
    std::optional<std::string_view> user;

    for (const auto& member : in) {
      std::string key(member.key());
      const json::value& v = member.value();
      if (key == "model" || key == "metadata" || key == "prompt_cache_key" ||
          key == "prompt_cache_retention" || key == "prompt_cache_options") {
        // model: the target decides; the rest are hints for OpenAI's own storage and
        // prompt cache, meaningless to Anthropic (documented as ignored).
        continue;
      }
      if (key == "messages") {
        translate_messages(v, conversation);
      } else if (key == "stream") {
        if (!v.is_null()) {
          if (!v.is_bool()) refuse(key, "`stream` must be a boolean");
          result.stream = v.get_bool();
        }
      } else if (key == "stream_options") {
        if (v.is_null()) continue;
        const json::object& options = need_object(v, key);
        for (const auto& option : options) {
          std::string p = dot(key, option.key());
          if (option.key() == "include_usage") {
            if (!option.value().is_bool()) refuse(p, "`" + p + "` must be a boolean");
            result.include_usage = option.value().get_bool();
          } else if (option.key() != "include_obfuscation") {
            refuse(p, "unknown field `" + p + "`");
          }
        }
      } else if (key == "max_tokens") {
        if (!v.is_null() && max_completion == nullptr) max_tokens = need_positive_int(v, key);
      } else if (key == "max_completion_tokens") {
        if (!v.is_null()) {
          max_completion = &v;
          max_tokens = need_positive_int(v, key);
        }
      } else if (key == "temperature") {
        if (v.is_null()) continue;
        double t = need_number(v, key);
        if (t < 0.0 || t > 1.0) {
          refuse(key,
                 "`temperature` must be between 0 and 1 for Anthropic (OpenAI allows up to 2; "
                 "Anthropic's scale ends at 1)");
        }
        body["temperature"] = v;
      } else if (key == "top_p") {
        if (v.is_null()) continue;
        need_number(v, key);
        body["top_p"] = v;
      } else if (key == "top_k") {
        // Not OpenAI's, but common among OpenAI-compatible servers and native to Anthropic.
        if (!v.is_null()) body["top_k"] = need_positive_int(v, key);
      } else if (key == "stop") {
        if (v.is_null()) continue;
        json::array sequences;
        if (v.is_string()) {
          if (!v.get_string().empty()) sequences.push_back(v);
        } else if (v.is_array()) {
          std::size_t j = 0;
          for (const auto& s : v.get_array()) {
            if (!need_string(s, at(key, j++)).empty()) sequences.push_back(s);
          }
        } else {
          refuse(key, "`stop` must be a string or an array of strings");
        }
        if (!sequences.empty()) body["stop_sequences"] = std::move(sequences);
      } else if (key == "tools") {
        if (v.is_null()) continue;
        json::array tools = translate_tools(v);
        has_tools = !tools.empty();
        if (has_tools) body["tools"] = std::move(tools);
      } else if (key == "tool_choice") {
        if (!v.is_null()) tool_choice = &v;
      } else if (key == "parallel_tool_calls") {
        if (v.is_null()) continue;
        if (!v.is_bool()) refuse(key, "`parallel_tool_calls` must be a boolean");
        parallel_tool_calls = v.get_bool();
      } else if (key == "response_format") {
        if (!v.is_null()) response_format = &v;
      } else if (key == "user" || key == "safety_identifier") {
        if (v.is_null()) continue;
        std::string_view id = need_string(v, key);
        if (key == "safety_identifier" || !user) user = id;  // the newer name wins
      } else {
        const Unsupported* known = nullptr;
        for (const auto& u : kUnsupported) {
          if (u.key == key) known = &u;
        }
        if (known == nullptr) {
          refuse(key, "unknown field `" + key +
                          "`: the Anthropic provider translates the "
                          "Chat Completions fields only");
        }
        if (!neutral(key, v)) no_equivalent(key, known->why);
      }
    }
    if (conversation.messages.empty() && conversation.system.empty()) {
      refuse("messages", "`messages` is required");
    }
    if (response_format != nullptr) translate_response_format(*response_format, conversation, body);
    if (tool_choice != nullptr) {
      body["tool_choice"] = translate_tool_choice(*tool_choice);
    }
    if (parallel_tool_calls == false && has_tools) {
      if (!body.contains("tool_choice")) body["tool_choice"] = json::object{{"type", "auto"}};
      json::object& choice = body["tool_choice"].get_object();
      if (choice.at("type").get_string() != "none") choice["disable_parallel_tool_use"] = true;
    }
    body["max_tokens"] = max_tokens;
    if (!conversation.system.empty()) body["system"] = compact(std::move(conversation.system));
    json::array messages;
    for (auto& m : conversation.messages) {
      json::object& message = m.get_object();
      message["content"] = compact(std::move(message.at("content").get_array()));
      messages.push_back(std::move(message));
    }
    body["messages"] = std::move(messages);
    if (user) body["metadata"] = json::object{{"user_id", *user}};
    if (result.stream) body["stream"] = true;

    // Anthropic reads keys in any order; this order reads well in logs and tests.
    json::object ordered;
    for (std::string_view k : {"model", "system", "messages", "max_tokens"}) {
      if (auto* v = body.if_contains(k)) ordered[k] = std::move(*v);
    }
    for (auto& member : body) {
      if (!ordered.contains(member.key())) ordered[member.key()] = std::move(member.value());
    }
    result.body = to_json(ordered);
    result.ok = true;
  } catch (Refusal& r) {
    result = TranslatedRequest{};
    result.param = std::move(r.param);
    result.message = std::move(r.message);
  }
  return result;
}

core::Response refusal_response(const TranslatedRequest& refused) {
  core::Response out;
  out.status = 400;
  out.headers.set("content-type", "application/json");
  out.body = core::error_body(core::ErrorKind::invalid_request, refused.message, refused.param);
  return out;
}

std::string messages_target(std::string_view base_path) {
  std::string out(base_path);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += out.ends_with("/v1") ? "/messages" : "/v1/messages";
  return out;
}

}  // namespace tollgate::routing::providers::anthropic
