// OpenAI chat completions ⇄ Gemini generateContent. Requests are read and written with
// Boost.JSON (the translation rebuilds the whole body anyway); every field of the OpenAI
// request is either translated, knowingly ignored (it does not change the answer), or
// refused with a 400 naming it.
#include "routing/providers/gemini/gemini_translate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <random>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;

namespace {

// A tool call id may carry Gemini's thoughtSignature after this marker, so that the next
// turn can hand it back (Gemini 3 refuses function-calling turns without it).
constexpr std::string_view kSignatureMarker = ".ts.";

std::string_view sv(const json::string& s) {
  return {s.data(), s.size()};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Thrown inside the request translation: the field at fault and why.
struct Refusal {
  std::string param;
  std::string message;
};

[[noreturn]] void refuse(std::string param, std::string message) {
  throw Refusal{std::move(param), std::move(message)};
}

[[noreturn]] void unsupported(const std::string& param) {
  refuse(param, "`" + param +
                    "` has no equivalent in the Gemini API and is not supported by this "
                    "provider");
}

const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
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

std::int64_t need_integer(const json::value& v, const std::string& param) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= 0x7fffffffffffffffULL) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  // A double is cast only inside int64's range: casting 1e300 is undefined behaviour.
  if (double d = v.is_double() ? v.get_double() : 0.5;
      d >= -0x1p63 && d < 0x1p63 && d == std::trunc(d)) {
    return static_cast<std::int64_t>(d);
  }
  refuse(param, "`" + param + "` must be an integer");
}

// ---- JSON Schema → Gemini Schema (an OpenAPI 3.0 subset) ----

// Keywords copied as they are.
constexpr std::string_view kSchemaCopied[] = {
    "description", "title",     "nullable", "minItems",      "maxItems",
    "minLength",   "maxLength", "pattern",  "minProperties", "maxProperties",
    "minimum",     "maximum",   "default",  "example",       "propertyOrdering",
};
// Keywords dropped: annotations, and constraints the subset cannot state (documented in
// docs/providers.md, Gemini).
constexpr std::string_view kSchemaDropped[] = {
    "$schema",          "$id",
    "$comment",         "$defs",
    "definitions",      "additionalProperties",
    "examples",         "readOnly",
    "writeOnly",        "deprecated",
    "strict",           "multipleOf",
    "uniqueItems",      "exclusiveMinimum",
    "exclusiveMaximum", "patternProperties",
    "contentEncoding",  "contentMediaType",
    "discriminator",    "unevaluatedProperties",
    "propertyNames",    "dependentRequired",
    "dependentSchemas",
};

bool in(std::string_view key, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

std::string gemini_type(std::string_view t, const std::string& param) {
  static constexpr std::string_view kTypes[] = {"string", "number", "integer", "boolean",
                                                "array",  "object", "null"};
  std::string l = lower(t);
  if (!in(l, kTypes)) refuse(param, "the JSON schema type '" + std::string(t) + "' is unknown");
  return upper(l);
}

struct SchemaConverter {
  const json::object* root = nullptr;
  std::string param;  // the OpenAI field holding the schema, for messages
  int depth = 0;

  json::value convert(const json::value& in_value) {
    if (++depth > 64) refuse(param, "the JSON schema in `" + param + "` nests too deeply");
    json::value out = convert_inner(in_value);
    --depth;
    return out;
  }

  const json::value& resolve(std::string_view ref) {
    std::string_view name;
    const json::value* defs = nullptr;
    if (ref.starts_with("#/$defs/")) {
      name = ref.substr(8);
      defs = root->if_contains("$defs");
    } else if (ref.starts_with("#/definitions/")) {
      name = ref.substr(14);
      defs = root->if_contains("definitions");
    }
    const json::value* target = nullptr;
    if (defs != nullptr && defs->is_object() && name.find('/') == std::string_view::npos) {
      target = defs->get_object().if_contains(name);
    }
    if (target == nullptr) {
      refuse(param, "the JSON schema in `" + param + "` uses $ref '" + std::string(ref) +
                        "', which Gemini's schema subset cannot express (only local "
                        "#/$defs/... references are inlined)");
    }
    return *target;
  }

  json::value convert_inner(const json::value& in_value) {
    if (in_value.is_bool() && in_value.get_bool()) return json::object{};
    if (!in_value.is_object()) {
      refuse(param, "the JSON schema in `" + param + "` holds a value that is not a schema");
    }
    const json::object& s = in_value.get_object();
    if (const json::value* ref = s.if_contains("$ref")) {
      if (!ref->is_string()) refuse(param, "the JSON schema in `" + param + "` has a bad $ref");
      if (depth > 32) {
        refuse(param, "the JSON schema in `" + param +
                          "` is recursive; Gemini's schema subset cannot express that");
      }
      return convert(resolve(sv(ref->get_string())));
    }
    json::object out;
    for (const auto& [key_raw, value] : s) {
      std::string_view key(key_raw.data(), key_raw.size());
      if (key == "type") {
        if (value.is_string()) {
          out["type"] = gemini_type(sv(value.get_string()), param);
        } else if (value.is_array()) {
          std::vector<std::string> types;
          bool nullable = false;
          for (const auto& t : value.get_array()) {
            if (!t.is_string()) refuse(param, "a JSON schema type in `" + param + "` is bad");
            std::string g = gemini_type(sv(t.get_string()), param);
            if (g == "NULL") {
              nullable = true;
            } else {
              types.push_back(std::move(g));
            }
          }
          if (types.size() > 1) {
            refuse(param, "the JSON schema in `" + param +
                              "` has a type union, which Gemini's schema subset cannot "
                              "express; use anyOf");
          }
          if (!types.empty()) out["type"] = types.front();
          if (nullable) out["nullable"] = true;
        } else {
          refuse(param, "a JSON schema type in `" + param + "` is bad");
        }
      } else if (key == "properties") {
        if (!value.is_object()) refuse(param, "`properties` in `" + param + "` is not an object");
        json::object props;
        for (const auto& [name, sub] : value.get_object()) props[name] = convert(sub);
        if (!props.empty()) out["properties"] = std::move(props);
      } else if (key == "items") {
        out["items"] = convert(value);
      } else if (key == "anyOf" || key == "oneOf") {
        if (!value.is_array()) refuse(param, "`" + std::string(key) + "` must be an array");
        json::array any;
        for (const auto& sub : value.get_array()) any.push_back(convert(sub));
        out["anyOf"] = std::move(any);
      } else if (key == "allOf") {
        if (!value.is_array() || value.get_array().size() != 1) {
          refuse(param, "the JSON schema in `" + param +
                            "` uses allOf with several schemas, which Gemini's schema subset "
                            "cannot express");
        }
        json::value merged = convert(value.get_array()[0]);
        for (const auto& [k, v] : merged.get_object()) {
          if (!out.contains(k)) out[k] = v;
        }
      } else if (key == "enum" || key == "const") {
        json::array values;
        auto add = [&](const json::value& e) {
          if (e.is_string()) {
            values.push_back(e);
          } else if (e.is_number()) {
            values.emplace_back(json::serialize(e));
          } else if (e.is_null()) {
            out["nullable"] = true;
          } else {
            refuse(param, "the JSON schema in `" + param +
                              "` has an enum value that is not a string or a number");
          }
        };
        if (key == "const") {
          add(value);
        } else if (value.is_array()) {
          for (const auto& e : value.get_array()) add(e);
        } else {
          refuse(param, "`enum` in `" + param + "` must be an array");
        }
        out["enum"] = std::move(values);
        if (!s.contains("type")) out["type"] = "STRING";
        if (!s.contains("format")) out["format"] = "enum";
      } else if (key == "format") {
        if (value.is_string()) out["format"] = value;
      } else if (key == "required") {
        if (!value.is_array()) refuse(param, "`required` in `" + param + "` must be an array");
        out["required"] = value;
      } else if (in(key, kSchemaCopied)) {
        out[key] = value;
      } else if (in(key, kSchemaDropped)) {
        continue;
      } else {
        refuse(param, "the JSON schema in `" + param + "` uses `" + std::string(key) +
                          "`, which Gemini's schema subset cannot express");
      }
    }
    return out;
  }
};

json::value convert_schema(const json::value& schema, const std::string& param) {
  SchemaConverter converter;
  converter.param = param;
  static const json::object kEmpty;
  converter.root = schema.is_object() ? &schema.get_object() : &kEmpty;
  return converter.convert(schema);
}

// ---- messages ----

struct DataUri {
  std::string mime;
  std::string data;
};

std::optional<DataUri> parse_data_uri(std::string_view url) {
  if (!url.starts_with("data:")) return std::nullopt;
  std::size_t comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  std::string_view meta = url.substr(5, comma - 5);
  if (!meta.ends_with(";base64")) return std::nullopt;
  meta.remove_suffix(7);
  std::size_t semicolon = meta.find(';');
  DataUri out;
  out.mime = std::string(meta.substr(0, semicolon));
  if (out.mime.empty()) out.mime = "application/octet-stream";
  out.data = std::string(url.substr(comma + 1));
  return out;
}

// Gemini's fileData needs a MIME type; an image URL says it by its extension at best.
std::string guess_image_mime(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  std::string ext = lower(
      path.substr(path.rfind('.') == std::string_view::npos ? path.size() : path.rfind('.') + 1));
  if (ext == "png") return "image/png";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  if (ext == "pdf") return "application/pdf";
  return "image/jpeg";
}

json::object text_part(std::string_view text) {
  return json::object{{"text", text}};
}

// A message's content (string or parts) as Gemini parts. `role` decides which part
// types are allowed.
void append_content_parts(const json::value& content, const std::string& param,
                          std::string_view role, json::array& parts) {
  if (content.is_string()) {
    if (!content.get_string().empty()) parts.push_back(text_part(sv(content.get_string())));
    return;
  }
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array");
  std::size_t i = 0;
  for (const auto& item : content.get_array()) {
    std::string p = param + "[" + std::to_string(i++) + "]";
    const json::object& part = need_object(item, p);
    const json::value* type_v = field(part, "type");
    if (type_v == nullptr) refuse(p + ".type", "`" + p + ".type` is required");
    std::string_view type = need_string(*type_v, p + ".type");
    if (type == "text" || (type == "refusal" && role == "assistant")) {
      std::string key(type);
      const json::value* text = field(part, key);
      if (text == nullptr) refuse(p + "." + key, "`" + p + "." + key + "` is required");
      parts.push_back(text_part(need_string(*text, p + "." + key)));
    } else if (type == "image_url" && role == "user") {
      const json::value* image = field(part, "image_url");
      if (image == nullptr) refuse(p + ".image_url", "`" + p + ".image_url` is required");
      const json::object& image_obj = need_object(*image, p + ".image_url");
      const json::value* url_v = field(image_obj, "url");
      if (url_v == nullptr) refuse(p + ".image_url.url", "`" + p + ".image_url.url` is required");
      std::string_view url = need_string(*url_v, p + ".image_url.url");
      if (auto data = parse_data_uri(url)) {
        parts.push_back(json::object{
            {"inlineData", json::object{{"mimeType", data->mime}, {"data", data->data}}}});
      } else if (url.starts_with("http://") || url.starts_with("https://") ||
                 url.starts_with("gs://")) {
        parts.push_back(json::object{
            {"fileData", json::object{{"mimeType", guess_image_mime(url)}, {"fileUri", url}}}});
      } else {
        refuse(p + ".image_url.url",
               "`" + p + ".image_url.url` must be an http(s) URL or a base64 data URI");
      }
    } else if (type == "input_audio" && role == "user") {
      const json::value* audio = field(part, "input_audio");
      if (audio == nullptr) refuse(p + ".input_audio", "`" + p + ".input_audio` is required");
      const json::object& audio_obj = need_object(*audio, p + ".input_audio");
      const json::value* data = field(audio_obj, "data");
      const json::value* format = field(audio_obj, "format");
      if (data == nullptr || format == nullptr) {
        refuse(p + ".input_audio", "`" + p + ".input_audio` needs data and format");
      }
      std::string fmt = lower(need_string(*format, p + ".input_audio.format"));
      std::string mime = fmt == "mp3" ? "audio/mp3" : "audio/" + fmt;
      parts.push_back(json::object{
          {"inlineData", json::object{{"mimeType", mime},
                                      {"data", need_string(*data, p + ".input_audio.data")}}}});
    } else if (type == "file" && role == "user") {
      const json::value* file = field(part, "file");
      if (file == nullptr) refuse(p + ".file", "`" + p + ".file` is required");
      const json::object& file_obj = need_object(*file, p + ".file");
      const json::value* file_data = field(file_obj, "file_data");
      if (file_data == nullptr) {
        refuse(p + ".file.file_id",
               "`" + p +
                   ".file` must carry file_data (a base64 data URI): OpenAI file ids "
                   "have no equivalent in the Gemini API");
      }
      auto data = parse_data_uri(need_string(*file_data, p + ".file.file_data"));
      if (!data) {
        refuse(p + ".file.file_data", "`" + p + ".file.file_data` must be a base64 data URI");
      }
      parts.push_back(json::object{
          {"inlineData", json::object{{"mimeType", data->mime}, {"data", data->data}}}});
    } else {
      refuse(p + ".type", "content parts of type '" + std::string(type) + "' in " +
                              std::string(role) + " messages are not supported by this provider");
    }
  }
}

// The text of a tool or system message's content (string, or text parts joined).
std::string content_text(const json::value& content, const std::string& param) {
  if (content.is_string()) return std::string(sv(content.get_string()));
  if (!content.is_array()) refuse(param, "`" + param + "` must be a string or an array");
  std::string out;
  std::size_t i = 0;
  for (const auto& item : content.get_array()) {
    std::string p = param + "[" + std::to_string(i++) + "]";
    const json::object& part = need_object(item, p);
    const json::value* type = field(part, "type");
    if (type == nullptr || !type->is_string() || type->get_string() != "text") {
      refuse(p + ".type", "only text parts are supported in `" + param + "`");
    }
    const json::value* text = field(part, "text");
    if (text == nullptr) refuse(p + ".text", "`" + p + ".text` is required");
    if (!out.empty()) out.push_back('\n');
    out += need_string(*text, p + ".text");
  }
  return out;
}

void check_message_keys(const json::object& m, const std::string& p,
                        std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : m) {
    if (value.is_null()) continue;
    std::string_view k(key.data(), key.size());
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      unsupported(p + "." + std::string(k));
    }
  }
}

struct Messages {
  json::array system_parts;
  json::array contents;
};

Messages translate_messages(const json::value& messages_v) {
  if (!messages_v.is_array()) refuse("messages", "`messages` must be an array");
  Messages out;
  std::map<std::string, std::string> tool_names;  // tool_call_id → function name
  bool last_was_tool = false;
  std::size_t i = 0;
  for (const auto& item : messages_v.get_array()) {
    std::string p = "messages[" + std::to_string(i++) + "]";
    const json::object& m = need_object(item, p);
    const json::value* role_v = field(m, "role");
    if (role_v == nullptr) refuse(p + ".role", "`" + p + ".role` is required");
    std::string_view role = need_string(*role_v, p + ".role");
    const json::value* content = field(m, "content");
    bool is_tool = false;
    if (role == "system" || role == "developer") {
      check_message_keys(m, p, {"role", "content"});
      if (content == nullptr) refuse(p + ".content", "`" + p + ".content` is required");
      std::string text = content_text(*content, p + ".content");
      if (!text.empty()) out.system_parts.push_back(text_part(text));
    } else if (role == "user") {
      check_message_keys(m, p, {"role", "content"});
      if (content == nullptr) refuse(p + ".content", "`" + p + ".content` is required");
      json::array parts;
      append_content_parts(*content, p + ".content", "user", parts);
      if (parts.empty()) parts.push_back(text_part(""));
      out.contents.push_back(json::object{{"role", "user"}, {"parts", std::move(parts)}});
    } else if (role == "assistant") {
      check_message_keys(m, p, {"role", "content", "tool_calls", "refusal"});
      json::array parts;
      if (content != nullptr) append_content_parts(*content, p + ".content", "assistant", parts);
      if (const json::value* calls = field(m, "tool_calls")) {
        if (!calls->is_array())
          refuse(p + ".tool_calls", "`" + p + ".tool_calls` must be an array");
        std::size_t k = 0;
        for (const auto& call_v : calls->get_array()) {
          std::string cp = p + ".tool_calls[" + std::to_string(k++) + "]";
          const json::object& call = need_object(call_v, cp);
          const json::value* type = field(call, "type");
          if (type != nullptr && (!type->is_string() || type->get_string() != "function")) {
            refuse(cp + ".type", "only tool calls of type 'function' are supported");
          }
          const json::value* id = field(call, "id");
          const json::value* function = field(call, "function");
          if (function == nullptr) refuse(cp + ".function", "`" + cp + ".function` is required");
          const json::object& fn = need_object(*function, cp + ".function");
          const json::value* name_v = field(fn, "name");
          if (name_v == nullptr) {
            refuse(cp + ".function.name", "`" + cp + ".function.name` is required");
          }
          std::string_view name = need_string(*name_v, cp + ".function.name");
          json::value args = json::object{};
          if (const json::value* arguments = field(fn, "arguments")) {
            std::string_view text = need_string(*arguments, cp + ".function.arguments");
            if (!text.empty()) {
              boost::system::error_code ec;
              args = json::parse(text, ec, {}, core::bounded_json_options());
              if (ec || !args.is_object()) {
                refuse(cp + ".function.arguments",
                       "`" + cp +
                           ".function.arguments` must be a JSON object (Gemini takes "
                           "function arguments as an object)");
              }
            }
          }
          json::object fc{{"name", name}, {"args", std::move(args)}};
          json::object part{{"functionCall", std::move(fc)}};
          if (id != nullptr) {
            std::string_view id_text = need_string(*id, cp + ".id");
            tool_names[std::string(id_text)] = std::string(name);
            std::size_t marker = id_text.find(kSignatureMarker);
            if (marker != std::string_view::npos) {
              part["thoughtSignature"] = id_text.substr(marker + kSignatureMarker.size());
            }
          }
          parts.push_back(std::move(part));
        }
      }
      if (const json::value* refusal = field(m, "refusal")) {
        parts.push_back(text_part(need_string(*refusal, p + ".refusal")));
      }
      if (parts.empty()) parts.push_back(text_part(""));
      out.contents.push_back(json::object{{"role", "model"}, {"parts", std::move(parts)}});
    } else if (role == "tool") {
      check_message_keys(m, p, {"role", "content", "tool_call_id"});
      is_tool = true;
      const json::value* id = field(m, "tool_call_id");
      if (id == nullptr) refuse(p + ".tool_call_id", "`" + p + ".tool_call_id` is required");
      std::string id_text(need_string(*id, p + ".tool_call_id"));
      auto named = tool_names.find(id_text);
      if (named == tool_names.end()) {
        refuse(p + ".tool_call_id", "`" + p + ".tool_call_id` '" + id_text +
                                        "' matches no tool call of an earlier assistant "
                                        "message (Gemini needs the function's name)");
      }
      std::string text = content != nullptr ? content_text(*content, p + ".content") : "";
      json::value response;
      boost::system::error_code ec;
      json::value parsed = json::parse(text, ec, {}, core::bounded_json_options());
      if (!ec && parsed.is_object()) {
        response = std::move(parsed);
      } else {
        response = json::object{{"content", text}};
      }
      json::object part{{"functionResponse",
                         json::object{{"name", named->second}, {"response", std::move(response)}}}};
      // Answers to parallel calls travel together, in one user turn.
      if (last_was_tool) {
        out.contents.back().get_object()["parts"].get_array().push_back(std::move(part));
      } else {
        out.contents.push_back(
            json::object{{"role", "user"}, {"parts", json::array{std::move(part)}}});
      }
    } else if (role == "function") {
      unsupported(p + ".role");
    } else {
      refuse(p + ".role", "unknown role '" + std::string(role) + "'");
    }
    last_was_tool = is_tool;
  }
  if (out.contents.empty()) {
    refuse("messages", "`messages` needs at least one user or assistant message for Gemini");
  }
  return out;
}

json::array translate_tools(const json::value& tools_v) {
  if (!tools_v.is_array()) refuse("tools", "`tools` must be an array");
  json::array declarations;
  std::size_t i = 0;
  for (const auto& tool_v : tools_v.get_array()) {
    std::string p = "tools[" + std::to_string(i++) + "]";
    const json::object& tool = need_object(tool_v, p);
    const json::value* type = field(tool, "type");
    if (type == nullptr || !type->is_string() || type->get_string() != "function") {
      refuse(p + ".type", "only tools of type 'function' are supported by this provider");
    }
    const json::value* function = field(tool, "function");
    if (function == nullptr) refuse(p + ".function", "`" + p + ".function` is required");
    const json::object& fn = need_object(*function, p + ".function");
    json::object decl;
    for (const auto& [key, value] : fn) {
      std::string_view k(key.data(), key.size());
      if (value.is_null()) continue;
      if (k == "name" || k == "description") {
        decl[k] = need_string(value, p + ".function." + std::string(k));
      } else if (k == "parameters") {
        json::value params = convert_schema(value, p + ".function.parameters");
        // An object without properties is refused by Gemini: leave parameters out.
        const json::object& po = params.get_object();
        bool empty_object =
            !po.contains("properties") &&
            (po.empty() || (po.size() == 1 && po.contains("type") && po.at("type") == "OBJECT"));
        if (!empty_object) decl["parameters"] = std::move(params);
      } else if (k == "strict") {
        continue;  // Gemini always keeps to the declared schema subset
      } else {
        unsupported(p + ".function." + std::string(k));
      }
    }
    if (!decl.contains("name"))
      refuse(p + ".function.name", "`" + p + ".function.name` is required");
    declarations.push_back(std::move(decl));
  }
  return declarations;
}

json::object translate_tool_choice(const json::value& choice) {
  json::object config;
  if (choice.is_string()) {
    std::string_view c = sv(choice.get_string());
    if (c == "auto") {
      config["mode"] = "AUTO";
    } else if (c == "none") {
      config["mode"] = "NONE";
    } else if (c == "required") {
      config["mode"] = "ANY";
    } else {
      refuse("tool_choice", "`tool_choice` '" + std::string(c) + "' is unknown");
    }
    return config;
  }
  const json::object& o = need_object(choice, "tool_choice");
  const json::value* type = field(o, "type");
  std::string_view t = type != nullptr ? need_string(*type, "tool_choice.type") : "";
  if (t == "function") {
    const json::value* function = field(o, "function");
    if (function == nullptr) refuse("tool_choice.function", "`tool_choice.function` is required");
    const json::value* name = field(need_object(*function, "tool_choice.function"), "name");
    if (name == nullptr) {
      refuse("tool_choice.function.name", "`tool_choice.function.name` is required");
    }
    config["mode"] = "ANY";
    config["allowedFunctionNames"] = json::array{need_string(*name, "tool_choice.function.name")};
    return config;
  }
  if (t == "allowed_tools") {
    const json::value* allowed = field(o, "allowed_tools");
    if (allowed == nullptr)
      refuse("tool_choice.allowed_tools", "`tool_choice.allowed_tools` is required");
    const json::object& a = need_object(*allowed, "tool_choice.allowed_tools");
    const json::value* mode = field(a, "mode");
    std::string_view m =
        mode != nullptr ? need_string(*mode, "tool_choice.allowed_tools.mode") : "auto";
    if (m != "auto" && m != "required") {
      refuse("tool_choice.allowed_tools.mode",
             "`tool_choice.allowed_tools.mode` must be auto or required");
    }
    // Gemini restricts function names only in ANY mode.
    if (m == "auto")
      refuse("tool_choice.allowed_tools.mode",
             "allowed_tools in auto mode has no equivalent in the Gemini API; use mode required");
    json::array names;
    if (const json::value* tools = field(a, "tools"); tools != nullptr && tools->is_array()) {
      for (const auto& tool : tools->get_array()) {
        const json::value* fn = tool.is_object() ? field(tool.get_object(), "function") : nullptr;
        const json::value* name =
            fn != nullptr && fn->is_object() ? field(fn->get_object(), "name") : nullptr;
        if (name == nullptr || !name->is_string()) {
          refuse("tool_choice.allowed_tools.tools", "each allowed tool must name a function");
        }
        names.push_back(*name);
      }
    }
    config["mode"] = "ANY";
    config["allowedFunctionNames"] = std::move(names);
    return config;
  }
  refuse("tool_choice.type", "`tool_choice.type` '" + std::string(t) + "' is not supported");
}

void translate_response_format(const json::value& format_v, json::object& generation) {
  const json::object& format = need_object(format_v, "response_format");
  const json::value* type_v = field(format, "type");
  if (type_v == nullptr) refuse("response_format.type", "`response_format.type` is required");
  std::string_view type = need_string(*type_v, "response_format.type");
  if (type == "text") return;
  if (type == "json_object") {
    generation["responseMimeType"] = "application/json";
    return;
  }
  if (type != "json_schema") {
    refuse("response_format.type", "`response_format.type` '" + std::string(type) + "' is unknown");
  }
  const json::value* spec_v = field(format, "json_schema");
  if (spec_v == nullptr)
    refuse("response_format.json_schema", "`response_format.json_schema` is required");
  const json::object& spec = need_object(*spec_v, "response_format.json_schema");
  generation["responseMimeType"] = "application/json";
  if (const json::value* schema = field(spec, "schema")) {
    generation["responseSchema"] = convert_schema(*schema, "response_format.json_schema.schema");
  }
}

}  // namespace

TranslatedRequest translate_request(std::string_view openai_body) {
  TranslatedRequest result;
  boost::system::error_code ec;
  json::value doc = json::parse(openai_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) {
    result.param = "";
    result.message = "the request body is not a JSON object";
    return result;
  }
  const json::object& req = doc.get_object();
  try {
    json::object out;
    json::object generation;
    const json::value* messages = field(req, "messages");
    if (messages == nullptr) refuse("messages", "`messages` is required");
    Messages translated = translate_messages(*messages);
    for (const auto& [key_raw, value] : req) {
      std::string key(key_raw.data(), key_raw.size());
      if (value.is_null()) continue;  // null means "the default" in OpenAI's API
      if (key == "model" || key == "messages") {
        continue;
      } else if (key == "stream") {
        if (!value.is_bool()) refuse(key, "`stream` must be a boolean");
        result.stream = value.get_bool();
      } else if (key == "stream_options") {
        const json::object& o = need_object(value, key);
        if (const json::value* u = field(o, "include_usage")) {
          if (!u->is_bool()) refuse("stream_options.include_usage", "must be a boolean");
          result.include_usage = u->get_bool();
        }
      } else if (key == "temperature") {
        generation["temperature"] = need_number(value, key);
      } else if (key == "top_p") {
        generation["topP"] = need_number(value, key);
      } else if (key == "top_k") {
        generation["topK"] = need_integer(value, key);
      } else if (key == "max_tokens" || key == "max_completion_tokens") {
        generation["maxOutputTokens"] = need_integer(value, key);
      } else if (key == "n") {
        std::int64_t n = need_integer(value, key);
        if (n < 1) refuse(key, "`n` must be at least 1");
        if (n > 1) generation["candidateCount"] = n;
      } else if (key == "stop") {
        json::array stops;
        if (value.is_string()) {
          stops.push_back(value);
        } else if (value.is_array()) {
          for (const auto& s : value.get_array()) {
            if (!s.is_string()) refuse(key, "`stop` must hold strings");
            stops.push_back(s);
          }
        } else {
          refuse(key, "`stop` must be a string or an array of strings");
        }
        if (!stops.empty()) generation["stopSequences"] = std::move(stops);
      } else if (key == "seed") {
        generation["seed"] = need_integer(value, key);
      } else if (key == "presence_penalty") {
        generation["presencePenalty"] = need_number(value, key);
      } else if (key == "frequency_penalty") {
        generation["frequencyPenalty"] = need_number(value, key);
      } else if (key == "response_format") {
        translate_response_format(value, generation);
      } else if (key == "tools") {
        json::array declarations = translate_tools(value);
        if (!declarations.empty()) {
          out["tools"] =
              json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
        }
      } else if (key == "tool_choice") {
        out["toolConfig"] = json::object{{"functionCallingConfig", translate_tool_choice(value)}};
      } else if (key == "parallel_tool_calls") {
        // Gemini may always answer with several calls; only "allowed" is expressible.
        if (!value.is_bool() || !value.get_bool()) unsupported(key);
      } else if (key == "logprobs") {
        if (!value.is_bool() || value.get_bool()) unsupported(key);
      } else if (key == "logit_bias") {
        if (!value.is_object() || !value.get_object().empty()) unsupported(key);
      } else if (key == "modalities") {
        if (!value.is_array() || value.get_array().size() != 1 || value.get_array()[0] != "text") {
          unsupported(key);
        }
      } else if (key == "store") {
        if (!value.is_bool() || value.get_bool()) unsupported(key);
      } else if (key == "user" || key == "safety_identifier" || key == "prompt_cache_key" ||
                 key == "metadata") {
        continue;  // identifiers for OpenAI's own bookkeeping: they do not change the answer
      } else {
        unsupported(key);
      }
    }
    if (out.contains("toolConfig") && !out.contains("tools")) {
      const json::value& mode = out["toolConfig"].at("functionCallingConfig").at("mode");
      if (mode != "NONE") refuse("tool_choice", "`tool_choice` needs `tools`");
      out.erase("toolConfig");
    }
    json::object body;
    body["contents"] = std::move(translated.contents);
    if (!translated.system_parts.empty()) {
      body["systemInstruction"] = json::object{{"parts", std::move(translated.system_parts)}};
    }
    for (auto& [k, v] : out) body[k] = std::move(v);
    if (!generation.empty()) body["generationConfig"] = std::move(generation);
    result.body = json::serialize(body);
    result.ok = true;
  } catch (const Refusal& refusal) {
    result.param = refusal.param;
    result.message = refusal.message;
  }
  return result;
}

core::Response unsupported_field_response(const TranslatedRequest& refused) {
  core::Response out;
  out.status = 400;
  out.headers.set("content-type", "application/json");
  out.body = core::error_body(core::ErrorKind::invalid_request, refused.message, refused.param);
  return out;
}

namespace {

std::string model_path(std::string_view base_path, std::string_view model) {
  std::string out(base_path);
  if (!out.ends_with("/v1beta") && !out.ends_with("/v1")) out += "/v1beta";
  if (model.starts_with("models/")) model.remove_prefix(7);
  out += "/models/";
  for (char c : model) {
    bool plain =
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

std::string bare_model(std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  return std::string(model);
}

void append_base64(std::string& out, const unsigned char* bytes, std::size_t size) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t k = 0; k < size; k += 3) {
    unsigned n = static_cast<unsigned>(bytes[k]) << 16;
    if (k + 1 < size) n |= static_cast<unsigned>(bytes[k + 1]) << 8;
    if (k + 2 < size) n |= static_cast<unsigned>(bytes[k + 2]);
    out.push_back(kB64[(n >> 18) & 63]);
    out.push_back(kB64[(n >> 12) & 63]);
    out.push_back(k + 1 < size ? kB64[(n >> 6) & 63] : '=');
    out.push_back(k + 2 < size ? kB64[n & 63] : '=');
  }
}

}  // namespace

std::string generate_target(std::string_view base_path, std::string_view model, bool stream) {
  std::string out = model_path(base_path, model);
  out += stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
  return out;
}

std::string embed_target(std::string_view base_path, std::string_view model) {
  return model_path(base_path, model) + ":batchEmbedContents";
}

TranslatedEmbeddings translate_embeddings_request(std::string_view openai_body,
                                                  std::string_view model) {
  TranslatedEmbeddings result;
  boost::system::error_code ec;
  json::value doc = json::parse(openai_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) {
    result.message = "the request body is not a JSON object";
    return result;
  }
  try {
    const json::object& req = doc.get_object();
    std::vector<std::string> inputs;
    std::optional<std::int64_t> dimensions;
    for (const auto& [key_raw, value] : req) {
      std::string key(key_raw.data(), key_raw.size());
      if (value.is_null() || key == "model" || key == "user") continue;
      if (key == "input") {
        if (value.is_string()) {
          inputs.emplace_back(sv(value.get_string()));
        } else if (value.is_array()) {
          for (const auto& item : value.get_array()) {
            if (!item.is_string()) {
              refuse("input",
                     "`input` must be a string or an array of strings (Gemini takes "
                     "text, not token ids)");
            }
            inputs.emplace_back(sv(item.get_string()));
          }
        } else {
          refuse("input", "`input` must be a string or an array of strings");
        }
      } else if (key == "dimensions") {
        dimensions = need_integer(value, key);
      } else if (key == "encoding_format") {
        std::string_view format = need_string(value, key);
        if (format != "float" && format != "base64") {
          refuse(key, "`encoding_format` must be float or base64");
        }
        result.base64 = format == "base64";
      } else {
        unsupported(key);
      }
    }
    if (inputs.empty()) refuse("input", "`input` is required and must not be empty");
    json::array requests;
    std::string qualified = "models/" + bare_model(model);
    for (auto& text : inputs) {
      json::object r{{"model", qualified},
                     {"content", json::object{{"parts", json::array{text_part(text)}}}}};
      if (dimensions) r["outputDimensionality"] = *dimensions;
      requests.push_back(std::move(r));
    }
    result.body = json::serialize(json::object{{"requests", std::move(requests)}});
    result.ok = true;
  } catch (const Refusal& refusal) {
    result.param = refusal.param;
    result.message = refusal.message;
  }
  return result;
}

std::string translate_embeddings_response(std::string_view gemini_body, std::string_view model,
                                          bool base64, std::int64_t estimated_tokens) {
  boost::system::error_code ec;
  json::value doc = json::parse(gemini_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return {};
  const json::value* embeddings = doc.get_object().if_contains("embeddings");
  if (embeddings == nullptr || !embeddings->is_array()) return {};
  std::string out = R"({"object":"list","data":[)";
  std::size_t index = 0;
  for (const auto& e : embeddings->get_array()) {
    const json::value* values = e.is_object() ? e.get_object().if_contains("values") : nullptr;
    if (values == nullptr || !values->is_array()) return {};
    if (index > 0) out.push_back(',');
    out += R"({"object":"embedding","index":)" + std::to_string(index++) + R"(,"embedding":)";
    if (base64) {
      std::string bytes;
      for (const auto& v : values->get_array()) {
        if (!v.is_number()) return {};
        float f = v.to_number<float>();
        unsigned char le[4];
        std::memcpy(le, &f, 4);  // x86 and ARM Linux are little-endian, as OpenAI sends
        bytes.append(reinterpret_cast<const char*>(le), 4);
      }
      out.push_back('"');
      append_base64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      out.push_back('"');
    } else {
      for (const auto& v : values->get_array()) {
        // Boost.JSON reads 1e999 as infinity, which serialize writes as `Infinity`: no JSON.
        if (!v.is_number() || !std::isfinite(v.to_number<double>())) return {};
      }
      out += json::serialize(*values);
    }
    out.push_back('}');
  }
  out += R"(],"model":)";
  core::append_json_string(out, model);
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(estimated_tokens) +
         R"(,"total_tokens":)" + std::to_string(estimated_tokens) + "}}";
  return out;
}

std::string new_tool_call_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id.push_back(kAlphabet[random() % 62]);
  return id;
}

std::string_view map_finish_reason(std::string_view reason, bool called_function) {
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "IMAGE_PROHIBITED_CONTENT" || reason == "IMAGE_RECITATION") {
    return "content_filter";
  }
  if (called_function) return "tool_calls";
  return "stop";
}

namespace {

struct CandidateParts {
  std::string text;
  json::array tool_calls;  // OpenAI tool_calls, ids generated
  bool called_function = false;
};

// The text and function calls of one candidate; `first_index` numbers the tool calls.
CandidateParts read_parts(const json::object& candidate, int first_index) {
  CandidateParts out;
  const json::value* content = candidate.if_contains("content");
  if (content == nullptr || !content->is_object()) return out;
  const json::value* parts = content->get_object().if_contains("parts");
  if (parts == nullptr || !parts->is_array()) return out;
  int index = first_index;
  for (const auto& part_v : parts->get_array()) {
    if (!part_v.is_object()) continue;
    const json::object& part = part_v.get_object();
    const json::value* thought = part.if_contains("thought");
    if (thought != nullptr && thought->is_bool() && thought->get_bool()) continue;
    if (const json::value* text = part.if_contains("text"); text != nullptr && text->is_string()) {
      out.text += sv(text->get_string());
    }
    if (const json::value* call = part.if_contains("functionCall");
        call != nullptr && call->is_object()) {
      const json::object& fc = call->get_object();
      std::string id;
      if (const json::value* given = fc.if_contains("id"); given != nullptr && given->is_string()) {
        id = std::string(sv(given->get_string()));
      } else {
        id = new_tool_call_id();
      }
      if (const json::value* sig = part.if_contains("thoughtSignature");
          sig != nullptr && sig->is_string() && !sig->get_string().empty()) {
        id += kSignatureMarker;
        id += sv(sig->get_string());
      }
      const json::value* name = fc.if_contains("name");
      const json::value* args = fc.if_contains("args");
      std::string arguments = args != nullptr && !args->is_null() ? json::serialize(*args) : "{}";
      json::object tool_call{
          {"index", index++},
          {"id", id},
          {"type", "function"},
          {"function",
           json::object{{"name", name != nullptr && name->is_string() ? *name : json::value("")},
                        {"arguments", arguments}}}};
      out.tool_calls.push_back(std::move(tool_call));
      out.called_function = true;
    }
  }
  return out;
}

std::string candidate_finish(const json::object& candidate) {
  const json::value* reason = candidate.if_contains("finishReason");
  return reason != nullptr && reason->is_string() ? std::string(sv(reason->get_string())) : "";
}

int candidate_index(const json::object& candidate, int position) {
  const json::value* index = candidate.if_contains("index");
  return index != nullptr && index->is_int64() ? static_cast<int>(index->get_int64()) : position;
}

// usageMetadata → usage; returns whether it was there.
bool read_usage_metadata(const json::object& response, core::Usage& usage, std::int64_t& total,
                         std::int64_t& reasoning) {
  const json::value* meta = response.if_contains("usageMetadata");
  if (meta == nullptr || !meta->is_object()) return false;
  // A count that is no exact int64 (7.5, 1e30) is not one: 0, rather than the exception
  // to_number throws, which dropped the client's connection mid-answer.
  auto number = [&](std::string_view key) -> std::int64_t {
    const json::value* v = meta->get_object().if_contains(key);
    if (v == nullptr || !v->is_number()) return 0;
    boost::system::error_code ec;
    std::int64_t n = v->to_number<std::int64_t>(ec);
    return ec ? 0 : n;
  };
  reasoning = number("thoughtsTokenCount");
  usage.prompt_tokens = number("promptTokenCount") + number("toolUsePromptTokenCount");
  usage.completion_tokens = number("candidatesTokenCount") + reasoning;
  usage.reported = true;
  total = number("totalTokenCount");
  if (total == 0) total = usage.total();
  return true;
}

json::object usage_json(const core::Usage& usage, std::int64_t total, std::int64_t reasoning) {
  json::object out{{"prompt_tokens", usage.prompt_tokens},
                   {"completion_tokens", usage.completion_tokens},
                   {"total_tokens", std::max(total, usage.total())}};
  if (reasoning > 0) {
    out["completion_tokens_details"] = json::object{{"reasoning_tokens", reasoning}};
  }
  return out;
}

std::string block_reason(const json::object& response) {
  const json::value* feedback = response.if_contains("promptFeedback");
  if (feedback == nullptr || !feedback->is_object()) return {};
  const json::value* reason = feedback->get_object().if_contains("blockReason");
  if (reason == nullptr || !reason->is_string()) return {};
  return std::string(sv(reason->get_string()));
}

const json::array* candidates_of(const json::object& response) {
  const json::value* c = response.if_contains("candidates");
  return c != nullptr && c->is_array() ? &c->get_array() : nullptr;
}

}  // namespace

TranslatedAnswer translate_response(std::string_view gemini_body, const AnswerContext& context) {
  TranslatedAnswer answer;
  boost::system::error_code ec;
  json::value doc = json::parse(gemini_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return answer;
  const json::object& response = doc.get_object();
  std::int64_t total = 0;
  std::int64_t reasoning = 0;
  bool has_usage = read_usage_metadata(response, answer.usage, total, reasoning);
  const json::array* candidates = candidates_of(response);
  if (candidates == nullptr || candidates->empty()) {
    answer.blocked = block_reason(response);
    if (answer.blocked.empty()) answer.blocked = "OTHER";
    answer.ok = true;
    return answer;
  }
  json::array choices;
  int position = 0;
  for (const auto& candidate_v : *candidates) {
    if (!candidate_v.is_object()) continue;
    const json::object& candidate = candidate_v.get_object();
    CandidateParts parts = read_parts(candidate, 0);
    std::string_view finish = map_finish_reason(candidate_finish(candidate), parts.called_function);
    if (finish == "content_filter") answer.content_filtered = true;
    json::object message{
        {"role", "assistant"},
        {"content", parts.text.empty() && parts.called_function ? json::value(nullptr)
                                                                : json::value(parts.text)},
        {"refusal", nullptr}};
    if (parts.called_function) {
      for (auto& call : parts.tool_calls) call.get_object().erase("index");
      message["tool_calls"] = std::move(parts.tool_calls);
    }
    choices.push_back(json::object{{"index", candidate_index(candidate, position++)},
                                   {"message", std::move(message)},
                                   {"logprobs", nullptr},
                                   {"finish_reason", finish}});
  }
  json::object out{{"id", context.id},
                   {"object", "chat.completion"},
                   {"created", context.created},
                   {"model", context.model},
                   {"choices", std::move(choices)}};
  if (has_usage) out["usage"] = usage_json(answer.usage, total, reasoning);
  answer.body = json::serialize(out);
  answer.ok = true;
  return answer;
}

// ---- errors ----

namespace {

struct StatusMapping {
  core::FailureClass failure;
  std::string_view type;
  std::string_view code;
};

bool says_too_long(std::string_view message) {
  std::string m = lower(message);
  return m.find("input token count") != std::string::npos ||
         m.find("exceeds the maximum number of tokens") != std::string::npos ||
         m.find("too long") != std::string::npos || m.find("context window") != std::string::npos;
}

bool says_bad_key(std::string_view message, std::string_view body) {
  return message.find("API key not valid") != std::string_view::npos ||
         message.find("API key expired") != std::string_view::npos ||
         body.find("API_KEY_INVALID") != std::string_view::npos;
}

// "37s" or "1.5s" (google.protobuf.Duration) → whole seconds, rounded up.
std::string retry_seconds(std::string_view duration) {
  if (!duration.ends_with('s')) return {};
  duration.remove_suffix(1);
  try {
    double seconds = std::stod(std::string(duration));
    if (!(seconds >= 0)) return {};  // negative, or NaN
    // Cast only what long long holds: casting "1e300s" or "infs" is undefined behaviour.
    seconds = std::min(seconds, 1e9);
    auto whole = static_cast<long long>(seconds);
    if (static_cast<double>(whole) < seconds) ++whole;
    return std::to_string(whole);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

MappedError map_error(int status, std::string_view body, std::string_view retry_after) {
  std::string message;
  std::string grpc_status;
  std::string retry_delay;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, core::bounded_json_options());
  if (!ec && doc.is_object()) {
    if (const json::value* error = doc.get_object().if_contains("error");
        error != nullptr && error->is_object()) {
      const json::object& e = error->get_object();
      if (const json::value* m = e.if_contains("message"); m != nullptr && m->is_string()) {
        message = std::string(sv(m->get_string()));
      }
      if (const json::value* s = e.if_contains("status"); s != nullptr && s->is_string()) {
        grpc_status = std::string(sv(s->get_string()));
      }
      if (const json::value* details = e.if_contains("details");
          details != nullptr && details->is_array()) {
        for (const auto& d : details->get_array()) {
          if (!d.is_object()) continue;
          const json::value* delay = d.get_object().if_contains("retryDelay");
          if (delay != nullptr && delay->is_string()) {
            retry_delay = retry_seconds(sv(delay->get_string()));
          }
        }
      }
    }
  }
  if (grpc_status.empty()) {
    grpc_status = status == 400   ? "INVALID_ARGUMENT"
                  : status == 401 ? "UNAUTHENTICATED"
                  : status == 403 ? "PERMISSION_DENIED"
                  : status == 404 ? "NOT_FOUND"
                  : status == 429 ? "RESOURCE_EXHAUSTED"
                  : status == 503 ? "UNAVAILABLE"
                  : status == 504 ? "DEADLINE_EXCEEDED"
                  : status >= 500 ? "INTERNAL"
                                  : "";
  }
  if (message.empty()) {
    message = "the provider answered with HTTP status " + std::to_string(status);
  }
  StatusMapping m{core::FailureClass::client_error, "invalid_request_error", "invalid_request"};
  int out_status = status;
  if (grpc_status == "INVALID_ARGUMENT" || grpc_status == "FAILED_PRECONDITION" ||
      grpc_status == "OUT_OF_RANGE") {
    if (says_bad_key(message, body)) {
      // The gateway's key, not the client's request (the proxy handler answers 502).
      m = {core::FailureClass::credentials_refused, "invalid_request_error", "invalid_api_key"};
      out_status = 401;
    } else if (says_too_long(message)) {
      m = {core::FailureClass::context_length, "invalid_request_error", "context_length_exceeded"};
    } else if (grpc_status == "FAILED_PRECONDITION") {
      m = {core::FailureClass::client_error, "invalid_request_error", "failed_precondition"};
    }
  } else if (grpc_status == "UNAUTHENTICATED") {
    m = {core::FailureClass::credentials_refused, "invalid_request_error", "invalid_api_key"};
  } else if (grpc_status == "PERMISSION_DENIED") {
    m = {core::FailureClass::credentials_refused, "permission_error", "permission_denied"};
  } else if (grpc_status == "NOT_FOUND") {
    m = {core::FailureClass::client_error, "invalid_request_error", "model_not_found"};
  } else if (grpc_status == "RESOURCE_EXHAUSTED") {
    m = {core::FailureClass::rate_limit, "requests", "rate_limit_exceeded"};
  } else if (grpc_status == "DEADLINE_EXCEEDED") {
    m = {core::FailureClass::timeout, "server_error", "upstream_timeout"};
  } else if (grpc_status == "UNAVAILABLE" || grpc_status == "INTERNAL" ||
             grpc_status == "UNKNOWN" || grpc_status == "ABORTED" || grpc_status == "CANCELLED" ||
             grpc_status == "DATA_LOSS" || status >= 500) {
    m = {core::FailureClass::server_error, "server_error", "server_error"};
    if (grpc_status == "UNAVAILABLE") m.code = "service_unavailable";
  }
  // The HTTP status decides when the two disagree on retrying.
  if (status == 429) m.failure = core::FailureClass::rate_limit;
  if (status == 408) m.failure = core::FailureClass::timeout;
  if (status >= 500 && m.failure == core::FailureClass::client_error) {
    m.failure = core::FailureClass::server_error;
  }
  if (out_status < 400) out_status = 502;

  MappedError out;
  out.failure = m.failure;
  out.response.status = out_status;
  out.response.headers.set("content-type", "application/json");
  std::string text = R"({"error":{"message":)";
  core::append_json_string(text, message);
  text += R"(,"type":)";
  core::append_json_string(text, m.type);
  text += R"(,"param":null,"code":)";
  core::append_json_string(text, m.code);
  text += "}}";
  out.response.body = std::move(text);
  std::string_view retry = !retry_after.empty() ? retry_after : std::string_view(retry_delay);
  if (!retry.empty() && m.failure == core::FailureClass::rate_limit) {
    out.response.headers.set("retry-after", retry);
  }
  return out;
}

core::Response blocked_prompt_response(std::string_view block_reason) {
  core::Response out;
  out.status = 400;
  out.headers.set("content-type", "application/json");
  std::string text = R"({"error":{"message":)";
  core::append_json_string(text, "the provider refused the prompt (Gemini blockReason " +
                                     std::string(block_reason) + ")");
  text += R"(,"type":"invalid_request_error","param":"messages","code":"content_filter"}})";
  out.body = std::move(text);
  return out;
}

// ---- streams ----

StreamTranslator::StreamTranslator(AnswerContext context, bool include_usage)
    : context_(std::move(context)), include_usage_(include_usage) {}

std::string StreamTranslator::chunk_head() const {
  std::string out = R"({"id":)";
  core::append_json_string(out, context_.id);
  out += R"(,"object":"chat.completion.chunk","created":)";
  out += std::to_string(context_.created);
  out += R"(,"model":)";
  core::append_json_string(out, context_.model);
  return out;
}

std::string StreamTranslator::choice_chunk(int index, std::string_view delta_json,
                                           std::string_view finish_reason) const {
  std::string out = chunk_head();
  out += R"(,"choices":[{"index":)";
  out += std::to_string(index);
  out += R"(,"delta":)";
  out += delta_json;
  out += R"(,"logprobs":null,"finish_reason":)";
  if (finish_reason.empty()) {
    out += "null";
  } else {
    core::append_json_string(out, finish_reason);
  }
  out += "}]}";
  return out;
}

void StreamTranslator::on_event(std::string_view data, std::vector<std::string>& out) {
  if (error_) return;
  boost::system::error_code ec;
  json::value doc = json::parse(data, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return;  // not a GenerateContentResponse: nothing to say
  const json::object& response = doc.get_object();
  if (response.contains("error")) {
    error_ = map_error(500, data);
    return;
  }
  read_usage_metadata(response, usage_, total_tokens_, reasoning_tokens_);
  const json::array* candidates = candidates_of(response);
  if (candidates == nullptr || candidates->empty()) {
    std::string reason = block_reason(response);
    if (!reason.empty()) blocked_ = std::move(reason);
    return;
  }
  int position = 0;
  for (const auto& candidate_v : *candidates) {
    if (!candidate_v.is_object()) continue;
    const json::object& candidate = candidate_v.get_object();
    int index = candidate_index(candidate, position++);
    Choice& choice = choices_[index];
    if (!choice.started) {
      choice.started = true;
      out.push_back(choice_chunk(index, R"({"role":"assistant","content":""})", ""));
    }
    CandidateParts parts = read_parts(candidate, choice.tool_calls);
    if (!parts.text.empty()) {
      std::string delta = R"({"content":)";
      core::append_json_string(delta, parts.text);
      delta += "}";
      out.push_back(choice_chunk(index, delta, ""));
    }
    if (parts.called_function) {
      choice.tool_calls += static_cast<int>(parts.tool_calls.size());
      std::string delta = R"({"tool_calls":)" + json::serialize(parts.tool_calls) + "}";
      out.push_back(choice_chunk(index, delta, ""));
    }
    std::string reason = candidate_finish(candidate);
    if (!reason.empty()) choice.finish_reason = std::move(reason);
  }
}

void StreamTranslator::finish(std::vector<std::string>& out) {
  if (choices_.empty()) {
    choices_[0].started = true;
    out.push_back(choice_chunk(0, R"({"role":"assistant","content":""})", ""));
  }
  for (const auto& [index, choice] : choices_) {
    std::string_view reason = map_finish_reason(choice.finish_reason, choice.tool_calls > 0);
    if (reason == "content_filter") content_filtered_ = true;
    out.push_back(choice_chunk(index, "{}", reason));
  }
  if (include_usage_) {
    std::string chunk = chunk_head();
    chunk += R"(,"choices":[],"usage":)";
    chunk += json::serialize(usage_json(usage_, total_tokens_, reasoning_tokens_));
    chunk += "}";
    out.push_back(std::move(chunk));
  }
  out.push_back("[DONE]");
}

}  // namespace tollgate::routing::providers::gemini
