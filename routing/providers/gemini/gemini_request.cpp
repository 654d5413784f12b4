// OpenAI chat request → GenerateContentRequest, field by field. The OpenAI side is read by
// the shared reader (common/openai_request_*.h); every field is either translated,
// knowingly ignored (it does not change the answer), or refused with a 400 naming it.
#include "routing/providers/gemini/gemini_request.h"

#include <map>

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"
#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/common/openai_request_messages.h"
#include "routing/providers/common/openai_request_tools.h"
#include "routing/providers/gemini/gemini_schema.h"
#include "routing/providers/gemini/gemini_text.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;
using namespace openai_request;

namespace {

// ---- messages ----

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
// A user or assistant content part as a Gemini part.
json::object gemini_part(const ContentPart& part) {
  auto inline_data = [](std::string_view mime, std::string_view data) {
    if (mime.empty()) mime = "application/octet-stream";
    return json::object{{"inlineData", json::object{{"mimeType", mime}, {"data", data}}}};
  };
  switch (part.kind) {
    case PartKind::text:
    case PartKind::refusal:
      return text_part(part.text);
    case PartKind::image_url: {
      if (auto data = split_data_uri(part.url)) return inline_data(data->media_type, data->data);
      if (part.url.starts_with("http://") || part.url.starts_with("https://") ||
          part.url.starts_with("gs://")) {
        return json::object{{"fileData", json::object{{"mimeType", guess_image_mime(part.url)},
                                                      {"fileUri", part.url}}}};
      }
      std::string p = dot(part.param, "image_url.url");
      refuse(p, "`" + p + "` must be an http(s) URL or a base64 data URI");
    }
    case PartKind::input_audio: {
      std::string format = lower(part.audio_format);
      return inline_data(format == "mp3" ? "audio/mp3" : "audio/" + format, part.audio_data);
    }
    case PartKind::file:
      return inline_data(part.file.media_type, part.file.data);
  }
  return text_part("");
}

// A message's content (string or parts) as Gemini parts; an empty string adds none.
void append_parts(const json::value& content, const std::string& param, PartsAllowed allowed,
                  json::array& parts) {
  if (content.is_string() && content.get_string().empty()) return;
  for_each_part(content, param, allowed, kGemini,
                [&](const ContentPart& part) { parts.push_back(gemini_part(part)); });
}

// The text of a system or tool message's content (string, or text parts joined).
std::string content_text(const json::value& content, const std::string& param) {
  std::string out;
  bool first = true;
  for_each_part(content, param, PartsAllowed::text_only, kGemini, [&](const ContentPart& part) {
    if (!first) out.push_back('\n');
    first = false;
    out += part.text;
  });
  return out;
}

struct Messages {
  json::array system_parts;
  json::array contents;
  std::map<std::string_view, std::string_view> tool_names;  // tool_call_id → function name
};

void add_assistant(const Message& m, Messages& out) {
  json::array parts;
  if (m.content != nullptr) {
    append_parts(*m.content, dot(m.param, "content"), PartsAllowed::assistant, parts);
  }
  for_each_tool_call(m, kGemini, [&](ToolCall&& call) {
    json::object part{
        {"functionCall", json::object{{"name", call.name}, {"args", std::move(call.arguments)}}}};
    if (!call.id.empty()) {
      out.tool_names[call.id] = call.name;
      std::size_t marker = call.id.find(kSignatureMarker);
      if (marker != std::string_view::npos) {
        part["thoughtSignature"] = call.id.substr(marker + kSignatureMarker.size());
      }
    }
    parts.push_back(std::move(part));
  });
  if (const json::value* refusal = present(*m.object, "refusal")) {
    parts.push_back(text_part(need_string(*refusal, dot(m.param, "refusal"))));
  }
  if (parts.empty()) parts.push_back(text_part(""));
  out.contents.push_back(json::object{{"role", "model"}, {"parts", std::move(parts)}});
}

// A tool message as a functionResponse part; answers to parallel calls travel together,
// in one user turn.
void add_tool_result(const Message& m, bool after_tool, Messages& out) {
  std::string_view id = tool_call_id(m);
  auto named = out.tool_names.find(id);
  if (named == out.tool_names.end()) {
    std::string p = dot(m.param, "tool_call_id");
    refuse(p, "`" + p + "` '" + std::string(id) +
                  "' matches no tool call of an earlier assistant message (Gemini needs the "
                  "function's name)");
  }
  std::string text = m.content != nullptr ? content_text(*m.content, dot(m.param, "content")) : "";
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
  if (after_tool) {
    out.contents.back().get_object()["parts"].get_array().push_back(std::move(part));
  } else {
    out.contents.push_back(json::object{{"role", "user"}, {"parts", json::array{std::move(part)}}});
  }
}

Messages translate_messages(const json::value& messages) {
  Messages out;
  bool last_was_tool = false;
  std::size_t i = 0;
  for (const auto& item : need_array(messages, "messages")) {
    Message m = read_message(item, i++, kGemini);
    switch (m.role) {
      case Role::system:
        if (std::string text = content_text(*m.content, dot(m.param, "content")); !text.empty()) {
          out.system_parts.push_back(text_part(text));
        }
        break;
      case Role::user: {
        json::array parts;
        append_parts(*m.content, dot(m.param, "content"), PartsAllowed::user, parts);
        if (parts.empty()) parts.push_back(text_part(""));
        out.contents.push_back(json::object{{"role", "user"}, {"parts", std::move(parts)}});
        break;
      }
      case Role::assistant:
        add_assistant(m, out);
        break;
      case Role::tool:
        add_tool_result(m, last_was_tool, out);
        break;
    }
    last_was_tool = m.role == Role::tool;
  }
  if (out.contents.empty()) {
    refuse("messages", "`messages` needs at least one user or assistant message for Gemini");
  }
  return out;
}

// ---- tools and formats ----

json::array translate_tools(const json::value& tools) {
  json::array declarations;
  for_each_tool(tools, kGemini, [&](const FunctionTool& tool) {
    json::object decl{{"name", tool.name}};
    if (!tool.description.empty()) decl["description"] = tool.description;
    if (tool.parameters != nullptr) {
      json::value params = convert_schema(*tool.parameters, dot(tool.param, "parameters"));
      // An object without properties is refused by Gemini: leave parameters out.
      const json::object& po = params.get_object();
      bool empty_object =
          !po.contains("properties") &&
          (po.empty() || (po.size() == 1 && po.contains("type") && po.at("type") == "OBJECT"));
      if (!empty_object) decl["parameters"] = std::move(params);
    }
    // strict: Gemini always keeps to the declared schema subset.
    declarations.push_back(std::move(decl));
  });
  return declarations;
}

json::object translate_tool_choice(const json::value& value) {
  using Mode = ToolChoice::Mode;
  ToolChoice choice = read_tool_choice(value, kGemini);
  switch (choice.mode) {
    case Mode::none:
      return {{"mode", "NONE"}};
    case Mode::auto_:
      return {{"mode", "AUTO"}};
    case Mode::required:
      return {{"mode", "ANY"}};
    case Mode::function:
      return {{"mode", "ANY"}, {"allowedFunctionNames", json::array{choice.name}}};
    case Mode::allowed_auto:
      // Gemini restricts function names only in ANY mode.
      refuse("tool_choice.allowed_tools.mode",
             "allowed_tools in auto mode has no equivalent in the Gemini API; use mode required");
    case Mode::allowed_required:
      break;
  }
  json::array names;
  for (std::string_view name : choice.allowed) names.push_back(json::string(name));
  return {{"mode", "ANY"}, {"allowedFunctionNames", std::move(names)}};
}

void translate_response_format(const json::value& value, json::object& generation) {
  ResponseFormat format = read_response_format(value);
  if (format.type == ResponseFormat::Type::text) return;
  generation["responseMimeType"] = "application/json";
  if (format.schema != nullptr) {
    generation["responseSchema"] =
        convert_schema(*format.schema, "response_format.json_schema.schema");
  }
}

// ---- the request's top-level fields ----

struct Request {
  TranslatedRequest& result;
  json::object out;  // tools, toolConfig
  json::object generation;
  const json::value* max_completion_tokens = nullptr;
};

// One top-level field of the OpenAI request (not null, not messages).
void translate_field(std::string_view key, const json::value& value, Request& request) {
  std::string param(key);
  json::object& generation = request.generation;
  if (key == "model" || key == "user" || key == "safety_identifier" || is_openai_bookkeeping(key)) {
    return;  // the target decides the model; the rest do not change the answer
  } else if (key == "stream") {
    request.result.stream = need_bool(value, param);
  } else if (key == "stream_options") {
    request.result.include_usage = read_include_usage(value);
  } else if (key == "temperature") {
    generation["temperature"] = need_number(value, param);
  } else if (key == "top_p") {
    generation["topP"] = need_number(value, param);
  } else if (key == "top_k") {
    generation["topK"] = need_integer(value, param);
  } else if (key == "max_completion_tokens") {
    request.max_completion_tokens = &value;
    generation["maxOutputTokens"] = need_integer_at_least(value, param, 1);
  } else if (key == "max_tokens") {
    // max_completion_tokens, its newer name, wins when both are sent.
    std::int64_t n = need_integer_at_least(value, param, 1);
    if (request.max_completion_tokens == nullptr) generation["maxOutputTokens"] = n;
  } else if (key == "n") {
    std::int64_t n = need_integer_at_least(value, param, 1);
    if (n > 1) generation["candidateCount"] = n;
  } else if (key == "stop") {
    if (json::array stops = read_stop(value); !stops.empty()) {
      generation["stopSequences"] = std::move(stops);
    }
  } else if (key == "seed") {
    generation["seed"] = need_integer(value, param);
  } else if (key == "presence_penalty") {
    generation["presencePenalty"] = need_number(value, param);
  } else if (key == "frequency_penalty") {
    generation["frequencyPenalty"] = need_number(value, param);
  } else if (key == "response_format") {
    translate_response_format(value, generation);
  } else if (key == "tools") {
    if (json::array declarations = translate_tools(value); !declarations.empty()) {
      request.out["tools"] =
          json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
    }
  } else if (key == "tool_choice") {
    request.out["toolConfig"] =
        json::object{{"functionCallingConfig", translate_tool_choice(value)}};
  } else if (key == "parallel_tool_calls") {
    // Gemini may always answer with several calls; only "allowed" is expressible.
    if (!need_bool(value, param)) no_equivalent(kGemini, param);
  } else if (!is_neutral(key, value)) {
    no_equivalent(kGemini, param);
  }
}

}  // namespace

TranslatedRequest translate_request(std::string_view openai_body) {
  TranslatedRequest result;
  try {
    json::value doc = parse_request(openai_body);
    const json::object& req = doc.get_object();
    const json::value* messages = present(req, "messages");
    if (messages == nullptr) refuse_required("messages");
    Messages translated = translate_messages(*messages);
    Request request{result, {}, {}};
    for (const auto& [key, value] : req) {
      // null means "the default" in OpenAI's API
      if (!value.is_null() && key != "messages") translate_field(key, value, request);
    }
    json::object& out = request.out;
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
    if (!request.generation.empty()) body["generationConfig"] = std::move(request.generation);
    result.body = json::serialize(body);
    result.ok = true;
  } catch (Refusal& refusal) {
    result = TranslatedRequest{};
    result.param = std::move(refusal.param);
    result.message = std::move(refusal.message);
  }
  return result;
}

core::Response unsupported_field_response(const TranslatedRequest& refused) {
  return refusal_response(refused.param, refused.message);
}

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

std::string generate_target(std::string_view base_path, std::string_view model, bool stream) {
  std::string out = model_path(base_path, model);
  out += stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
  return out;
}

}  // namespace tollgate::routing::providers::gemini
