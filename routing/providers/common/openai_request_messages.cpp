#include "routing/providers/common/openai_request_messages.h"

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"

namespace tollgate::routing::providers::openai_request {

namespace json = boost::json;

std::optional<DataUri> split_data_uri(std::string_view uri) {
  if (!uri.starts_with("data:")) return std::nullopt;
  std::size_t comma = uri.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  std::string_view meta = uri.substr(5, comma - 5);
  constexpr std::string_view kBase64 = ";base64";
  if (!meta.ends_with(kBase64)) return std::nullopt;
  meta.remove_suffix(kBase64.size());
  return DataUri{meta.substr(0, meta.find(';')), uri.substr(comma + 1)};  // no charset etc.
}

namespace {

PartKind part_kind(std::string_view type, const std::string& param) {
  if (type == "text") return PartKind::text;
  if (type == "refusal") return PartKind::refusal;
  if (type == "image_url") return PartKind::image_url;
  if (type == "input_audio") return PartKind::input_audio;
  if (type == "file") return PartKind::file;
  refuse(param, "unknown content part type '" + std::string(type) + "'");
}

bool allows(PartsAllowed allowed, PartKind kind) {
  switch (allowed) {
    case PartsAllowed::text_only:
      return kind == PartKind::text;
    case PartsAllowed::assistant:
      return kind == PartKind::text || kind == PartKind::refusal;
    case PartsAllowed::user:
      return kind != PartKind::refusal;
  }
  return false;
}

std::string_view allowed_words(PartsAllowed allowed) {
  switch (allowed) {
    case PartsAllowed::text_only:
      return "system, developer and tool messages take text parts only";
    case PartsAllowed::assistant:
      return "assistant messages take text and refusal parts only";
    case PartsAllowed::user:
      return "user messages take text, image_url, input_audio and file parts";
  }
  return {};
}

void read_file(ContentPart& out, const Dialect& dialect) {
  std::string p = dot(out.param, "file");
  const json::object& file = need_object(required(*out.part, "file", out.param), p);
  if (present(file, "file_id") != nullptr) {
    no_equivalent(
        dialect, dot(p, "file_id"),
        "OpenAI file ids mean nothing to " + std::string(dialect.api) + "; send file_data");
  }
  std::string dp = dot(p, "file_data");
  auto data = split_data_uri(need_string(required(file, "file_data", p), dp));
  if (!data) refuse(dp, "`" + dp + "` must be a base64 data URI (data:<type>;base64,...)");
  out.file = *data;
  if (const json::value* name = present(file, "filename")) {
    out.filename = need_string(*name, dot(p, "filename"));
  }
}

}  // namespace

ContentPart read_part(const json::value& item, const std::string& param, PartsAllowed allowed,
                      const Dialect& dialect) {
  ContentPart out;
  out.param = param;
  out.part = &need_object(item, param);
  const json::object& part = *out.part;
  std::string tp = dot(param, "type");
  std::string_view type = need_string(required(part, "type", param), tp);
  out.kind = part_kind(type, tp);
  if (!allows(allowed, out.kind)) {
    refuse(tp, "`" + tp + "` '" + std::string(type) +
                   "' is not allowed here: " + std::string(allowed_words(allowed)));
  }
  switch (out.kind) {
    case PartKind::text:
    case PartKind::refusal: {
      std::string_view key = out.kind == PartKind::text ? "text" : "refusal";
      out.text = need_string(required(part, key, param), dot(param, key));
      break;
    }
    case PartKind::image_url: {
      std::string p = dot(param, "image_url");
      const json::object& image = need_object(required(part, "image_url", param), p);
      out.url = need_string(required(image, "url", p), dot(p, "url"));
      break;
    }
    case PartKind::input_audio: {
      std::string p = dot(param, "input_audio");
      const json::object& audio = need_object(required(part, "input_audio", param), p);
      out.audio_data = need_string(required(audio, "data", p), dot(p, "data"));
      out.audio_format = need_string(required(audio, "format", p), dot(p, "format"));
      break;
    }
    case PartKind::file:
      read_file(out, dialect);
      break;
  }
  return out;
}

namespace {

Role read_role(const json::object& message, const std::string& param, const Dialect& dialect) {
  std::string rp = dot(param, "role");
  std::string_view role = need_string(required(message, "role", param), rp);
  if (role == "system" || role == "developer") return Role::system;
  if (role == "user") return Role::user;
  if (role == "assistant") return Role::assistant;
  if (role == "tool") return Role::tool;
  if (role == "function") {
    no_equivalent(dialect, rp, "the deprecated function role; use tool messages");
  }
  refuse(rp, "unknown role '" + std::string(role) + "'");
}

void check_message_keys(const json::object& message, Role role, const std::string& param,
                        const Dialect& dialect) {
  for (const auto& member : message) {
    std::string_view key = member.key();
    if (member.value().is_null() || key == "role" || key == "content") continue;
    if (key == "name" && dialect.ignores_message_name) continue;
    if (role == Role::assistant && (key == "tool_calls" || key == "refusal")) continue;
    if (role == Role::tool && key == "tool_call_id") continue;
    std::string p = dot(param, key);
    if (role == Role::assistant && key == "function_call") {
      no_equivalent(dialect, p, "the deprecated function_call; use tool_calls");
    }
    if (key == "name" || (role == Role::assistant && key == "audio")) no_equivalent(dialect, p);
    refuse(p, "unknown field `" + p + "` in a " + std::string(sv(message.at("role").get_string())) +
                  " message");
  }
}

}  // namespace

Message read_message(const json::value& item, std::size_t index, const Dialect& dialect) {
  Message out;
  out.param = at("messages", index);
  out.object = &need_object(item, out.param);
  out.role = read_role(*out.object, out.param, dialect);
  check_message_keys(*out.object, out.role, out.param, dialect);
  if (out.role == Role::system || out.role == Role::user) {
    out.content = &required(*out.object, "content", out.param);
  } else {
    out.content = present(*out.object, "content");
  }
  return out;
}

std::string_view tool_call_id(const Message& message) {
  return need_string(required(*message.object, "tool_call_id", message.param),
                     dot(message.param, "tool_call_id"));
}

ToolCall read_tool_call(const json::value& item, const std::string& param, const Dialect& dialect) {
  ToolCall out;
  out.param = param;
  const json::object& call = need_object(item, param);
  if (const json::value* type = present(call, "type")) {
    if (need_string(*type, dot(param, "type")) != "function") {
      no_equivalent(dialect, dot(param, "type"), "only function tool calls translate");
    }
  }
  if (const json::value* id = present(call, "id")) out.id = need_string(*id, dot(param, "id"));
  std::string fp = dot(param, "function");
  const json::object& fn = need_object(required(call, "function", param), fp);
  out.name = need_string(required(fn, "name", fp), dot(fp, "name"));
  out.arguments = json::object{};
  if (const json::value* args = present(fn, "arguments")) {
    std::string ap = dot(fp, "arguments");
    std::string_view text = need_string(*args, ap);
    if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      boost::system::error_code ec;
      out.arguments = json::parse(text, ec, {}, core::bounded_json_options());
      if (ec || !out.arguments.is_object()) {
        refuse(ap, "`" + ap + "` must be a JSON object in a string (" + std::string(dialect.api) +
                       " takes tool arguments as an object)");
      }
    }
  }
  return out;
}

}  // namespace tollgate::routing::providers::openai_request
