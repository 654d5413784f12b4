// Gemini's request checks for the mock (see mock_gemini_request.h). Each check returns
// the message of Google's 400, empty when the part it reads is valid.
#include "loadtest/mock_provider/mock_gemini_request.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include <simdjson.h>

#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

namespace {

namespace dom = simdjson::dom;

bool one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string unknown_field(std::string_view where, std::string_view key) {
  return "Invalid JSON payload received. Unknown name \"" + std::string(key) + "\" at '" +
         std::string(where) + "': Cannot find field.";
}

// One part: exactly one of text, inlineData, fileData, functionCall, functionResponse.
std::string check_part(dom::element part_v, std::string_view where, GeminiRequest& out) {
  dom::object part;
  if (part_v.get(part)) return std::string(where) + ".parts[] must be an object";
  int data_fields = 0;
  for (auto [pk, pv] : part) {
    if (pk == "text") {
      std::string_view text;
      if (pv.get(text)) return "text must be a string";
      out.prompt_tokens += count_words(text);
      ++data_fields;
    } else if (pk == "inlineData") {
      dom::object blob;
      std::string_view mime, data;
      if (pv.get(blob) || blob["mimeType"].get(mime) || blob["data"].get(data)) {
        return "inlineData needs mimeType and data";
      }
      ++data_fields;
    } else if (pk == "fileData") {
      dom::object file;
      std::string_view uri;
      if (pv.get(file) || file["fileUri"].get(uri)) return "fileData needs fileUri";
      ++data_fields;
    } else if (pk == "functionCall") {
      dom::object call, args;
      std::string_view name;
      if (pv.get(call) || call["name"].get(name)) return "functionCall needs a name";
      if (auto a = call["args"]; a.error() == simdjson::SUCCESS && a.get(args)) {
        return "functionCall.args must be an object";
      }
      ++data_fields;
    } else if (pk == "functionResponse") {
      dom::object response, inner;
      std::string_view name;
      if (pv.get(response) || response["name"].get(name) || response["response"].get(inner)) {
        return "functionResponse needs a name and a response object";
      }
      ++data_fields;
    } else if (!one_of(pk, {"thought", "thoughtSignature", "videoMetadata", "executableCode",
                            "codeExecutionResult"})) {
      return unknown_field("contents.parts", pk);
    }
  }
  if (data_fields != 1) return "Each part must hold exactly one of text, inlineData, ...";
  return {};
}

// One Content (a turn, or the system instruction): a role and non-empty parts.
std::string check_content(dom::element content, std::string_view where, bool system,
                          GeminiRequest& out) {
  dom::object c;
  if (content.get(c)) return std::string(where) + " must be an object";
  bool has_parts = false;
  for (auto [key, value] : c) {
    if (key == "role") {
      std::string_view role;
      if (value.get(role)) return std::string(where) + ".role must be a string";
      if (!system && role != "user" && role != "model") {
        return "Please use a valid role: user, model.";
      }
    } else if (key == "parts") {
      dom::array parts;
      if (value.get(parts)) return std::string(where) + ".parts must be an array";
      for (dom::element part_v : parts) {
        if (auto e = check_part(part_v, where, out); !e.empty()) return e;
        has_parts = true;
      }
    } else {
      return unknown_field(where, key);
    }
  }
  if (!has_parts) return "contents.parts must not be empty.";
  return {};
}

std::string check_schema_types(dom::element schema) {
  dom::object o;
  if (schema.get(o)) return {};
  for (auto [key, value] : o) {
    if (key == "type") {
      std::string_view t;
      if (value.get(t)) return "schema type must be a string";
      if (!one_of(t, {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"})) {
        return "Invalid value at 'type' (type.googleapis.com/google.ai.generativelanguage.v1beta."
               "Type), \"" +
               std::string(t) + "\"";
      }
    } else if (key == "properties") {
      dom::object props;
      if (value.get(props)) return "properties must be an object";
      for (auto [name, sub] : props) {
        if (auto e = check_schema_types(sub); !e.empty()) return e;
      }
    } else if (key == "items") {
      if (auto e = check_schema_types(value); !e.empty()) return e;
    } else if (key == "anyOf") {
      dom::array any;
      if (value.get(any)) return "anyOf must be an array";
      for (dom::element sub : any) {
        if (auto e = check_schema_types(sub); !e.empty()) return e;
      }
    } else if (!one_of(key, {"format", "title", "description", "nullable", "enum", "maxItems",
                             "minItems", "required", "minProperties", "maxProperties", "minLength",
                             "maxLength", "pattern", "example", "propertyOrdering", "default",
                             "minimum", "maximum"})) {
      return unknown_field("schema", key);
    }
  }
  return {};
}

std::string check_contents(dom::element value, GeminiRequest& out, bool& has_contents) {
  dom::array contents;
  if (value.get(contents)) return "contents must be an array";
  for (dom::element c : contents) {
    if (auto e = check_content(c, "contents", false, out); !e.empty()) return e;
    has_contents = true;
  }
  return {};
}

std::string check_generation_config(dom::element value, GeminiRequest& out) {
  dom::object g;
  if (value.get(g)) return "generationConfig must be an object";
  for (auto [gk, gv] : g) {
    if (gk == "candidateCount") {
      int64_t n = 1;
      if (gv.get(n) || n < 1 || n > 8) return "candidateCount must be between 1 and 8";
      out.candidates = static_cast<int>(n);
    } else if (gk == "maxOutputTokens") {
      int64_t n = 0;
      if (gv.get(n) || n < 1) return "maxOutputTokens must be a positive integer";
      out.max_output_tokens = n;
    } else if (gk == "responseSchema") {
      if (auto e = check_schema_types(gv); !e.empty()) return e;
    } else if (!one_of(gk,
                       {"stopSequences", "responseMimeType", "responseJsonSchema", "temperature",
                        "topP", "topK", "seed", "presencePenalty", "frequencyPenalty",
                        "responseLogprobs", "logprobs", "responseModalities", "thinkingConfig",
                        "mediaResolution", "speechConfig", "enableEnhancedCivicAnswers"})) {
      return unknown_field("generation_config", gk);
    }
  }
  return {};
}

// tools: function declarations need a name; their parameters are schemas.
std::string check_tools(dom::element value) {
  dom::array tools;
  if (value.get(tools)) return "tools must be an array";
  for (dom::element tool : tools) {
    dom::array decls;
    if (tool["functionDeclarations"].get(decls)) continue;
    for (dom::element d : decls) {
      std::string_view name;
      if (d["name"].get(name) || name.empty()) {
        return "* GenerateContentRequest.tools[0].function_declarations[0].name: Name "
               "cannot be empty.";
      }
      if (auto p = d["parameters"]; p.error() == simdjson::SUCCESS) {
        if (auto e = check_schema_types(p.value()); !e.empty()) return e;
      }
    }
  }
  return {};
}

// One top-level field of the request.
std::string check_field(std::string_view key, dom::element value, GeminiRequest& out,
                        bool& has_contents) {
  if (key == "contents") return check_contents(value, out, has_contents);
  if (key == "systemInstruction") return check_content(value, "system_instruction", true, out);
  if (key == "generationConfig") return check_generation_config(value, out);
  if (key == "tools") return check_tools(value);
  if (key == "toolConfig") {
    std::string_view mode;
    if (value["functionCallingConfig"]["mode"].get(mode) ||
        !one_of(mode, {"AUTO", "ANY", "NONE", "VALIDATED"})) {
      return "toolConfig.functionCallingConfig.mode is invalid";
    }
    return {};
  }
  if (!one_of(key, {"safetySettings", "cachedContent"})) return unknown_field("", key);
  return {};
}

}  // namespace

GeminiRequest read_gemini_request(std::string& body) {
  GeminiRequest out;
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body).get(doc)) {
    out.error = "Invalid JSON payload received.";
    return out;
  }
  dom::object root;
  if (doc.get(root)) {
    out.error = "Invalid JSON payload received. Expected an object.";
    return out;
  }
  bool has_contents = false;
  for (auto [key, value] : root) {
    if (auto e = check_field(key, value, out, has_contents); !e.empty()) {
      out.error = e;
      return out;
    }
  }
  if (!has_contents) out.error = "* GenerateContentRequest.contents: contents is not specified";
  if (out.prompt_tokens == 0) out.prompt_tokens = 1;
  return out;
}

}  // namespace tollgate::mock
