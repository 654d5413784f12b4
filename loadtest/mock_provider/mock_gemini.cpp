// Gemini answers for the mock: request validation as strict as Google's for the fields
// the gateway writes, GenerateContentResponse bodies, SSE streams and Google errors.
#include "loadtest/mock_provider/mock_gemini.h"

#include <algorithm>
#include <initializer_list>

#include <simdjson.h>

#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kPrefix = "/v1beta/models/";

std::string_view status_name(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

std::string_view default_message(int status) {
  switch (status) {
    case 400:
      return "Request contains an invalid argument.";
    case 401:
      return "Request had invalid authentication credentials.";
    case 403:
      return "The caller does not have permission";
    case 404:
      return "Requested entity was not found.";
    case 429:
      return "Resource has been exhausted (e.g. check quota).";
    case 500:
      return "An internal error has occurred. Please retry or report in "
             "https://developers.generativeai.google/guide/troubleshooting";
    case 503:
      return "The model is overloaded. Please try again later.";
    case 504:
      return "Deadline expired before operation could complete.";
    default:
      return "mock error";
  }
}

DialectReply whole(int status, std::string body) {
  DialectReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

DialectReply invalid(std::string_view message) {
  return whole(400, gemini_error(400, message));
}

bool one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// What the request asked for, and whether it is a request Google would take.
struct GeminiRequest {
  std::string error;  // empty when valid
  std::int64_t prompt_tokens = 0;
  int candidates = 1;
  std::int64_t max_output_tokens = -1;
};

std::string unknown_field(std::string_view where, std::string_view key) {
  return "Invalid JSON payload received. Unknown name \"" + std::string(key) + "\" at '" +
         std::string(where) + "': Cannot find field.";
}

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
    if (key == "contents") {
      dom::array contents;
      if (value.get(contents)) {
        out.error = "contents must be an array";
        return out;
      }
      for (dom::element c : contents) {
        if (auto e = check_content(c, "contents", false, out); !e.empty()) {
          out.error = e;
          return out;
        }
        has_contents = true;
      }
    } else if (key == "systemInstruction") {
      if (auto e = check_content(value, "system_instruction", true, out); !e.empty()) {
        out.error = e;
        return out;
      }
    } else if (key == "generationConfig") {
      dom::object g;
      if (value.get(g)) {
        out.error = "generationConfig must be an object";
        return out;
      }
      for (auto [gk, gv] : g) {
        if (gk == "candidateCount") {
          int64_t n = 1;
          if (gv.get(n) || n < 1 || n > 8) {
            out.error = "candidateCount must be between 1 and 8";
            return out;
          }
          out.candidates = static_cast<int>(n);
        } else if (gk == "maxOutputTokens") {
          int64_t n = 0;
          if (gv.get(n) || n < 1) {
            out.error = "maxOutputTokens must be a positive integer";
            return out;
          }
          out.max_output_tokens = n;
        } else if (gk == "responseSchema") {
          if (auto e = check_schema_types(gv); !e.empty()) {
            out.error = e;
            return out;
          }
        } else if (!one_of(gk, {"stopSequences", "responseMimeType", "responseJsonSchema",
                                "temperature", "topP", "topK", "seed", "presencePenalty",
                                "frequencyPenalty", "responseLogprobs", "logprobs",
                                "responseModalities", "thinkingConfig", "mediaResolution",
                                "speechConfig", "enableEnhancedCivicAnswers"})) {
          out.error = unknown_field("generation_config", gk);
          return out;
        }
      }
    } else if (key == "tools") {
      dom::array tools;
      if (value.get(tools)) {
        out.error = "tools must be an array";
        return out;
      }
      for (dom::element tool : tools) {
        dom::array decls;
        if (tool["functionDeclarations"].get(decls)) continue;
        for (dom::element d : decls) {
          std::string_view name;
          if (d["name"].get(name) || name.empty()) {
            out.error =
                "* GenerateContentRequest.tools[0].function_declarations[0].name: Name "
                "cannot be empty.";
            return out;
          }
          if (auto p = d["parameters"]; p.error() == simdjson::SUCCESS) {
            if (auto e = check_schema_types(p.value()); !e.empty()) {
              out.error = e;
              return out;
            }
          }
        }
      }
    } else if (key == "toolConfig") {
      std::string_view mode;
      if (value["functionCallingConfig"]["mode"].get(mode) ||
          !one_of(mode, {"AUTO", "ANY", "NONE", "VALIDATED"})) {
        out.error = "toolConfig.functionCallingConfig.mode is invalid";
        return out;
      }
    } else if (!one_of(key, {"safetySettings", "cachedContent"})) {
      out.error = unknown_field("", key);
      return out;
    }
  }
  if (!has_contents) out.error = "* GenerateContentRequest.contents: contents is not specified";
  if (out.prompt_tokens == 0) out.prompt_tokens = 1;
  return out;
}

std::string usage_metadata(std::int64_t prompt, std::int64_t candidates) {
  std::string out = R"("usageMetadata":{"promptTokenCount":)" + std::to_string(prompt);
  if (candidates > 0) out += R"(,"candidatesTokenCount":)" + std::to_string(candidates);
  out += R"(,"totalTokenCount":)" + std::to_string(prompt + candidates);
  out += R"(,"promptTokensDetails":[{"modality":"TEXT","tokenCount":)" + std::to_string(prompt) +
         "}]}";
  return out;
}

std::string tail(std::string_view model) {
  std::string out = R"(,"modelVersion":)";
  append_json_string(out, model);
  out += R"(,"responseId":"mock-gemini-response")";
  return out;
}

// One candidate: `parts_json` is the parts array's inside.
std::string candidate(int index, std::string_view parts_json, std::string_view finish) {
  std::string out = R"({"content":{"parts":[)";
  out += parts_json;
  out += R"(],"role":"model"})";
  if (!finish.empty()) {
    out += R"(,"finishReason":")";
    out += finish;
    out += '"';
  }
  out += R"(,"index":)" + std::to_string(index) + "}";
  return out;
}

std::string text_part(std::string_view text) {
  std::string out = R"({"text":)";
  append_json_string(out, text);
  out += "}";
  return out;
}

std::string function_call_part(std::string_view spec, std::string_view signature) {
  std::string name = std::string(spec);
  std::string args = "{}";
  thread_local dom::parser parser;
  dom::element doc;
  std::string padded(spec);
  if (!parser.parse(padded).get(doc)) {
    std::string_view n;
    if (!doc["name"].get(n)) name = std::string(n);
    dom::element a;
    if (!doc["args"].get(a)) args = simdjson::minify(a);
  }
  std::string out = R"({"functionCall":{"name":)";
  append_json_string(out, name);
  out += R"(,"args":)" + args + "}";
  if (!signature.empty()) {
    out += R"(,"thoughtSignature":)";
    append_json_string(out, signature);
  }
  out += "}";
  return out;
}

// :batchEmbedContents: one embedding per request, its values made from the text so that
// different inputs differ.
DialectReply embed_reply(const std::string& model, std::string& body) {
  thread_local dom::parser parser;
  dom::element doc;
  dom::array requests;
  if (parser.parse(body).get(doc) || doc["requests"].get(requests)) {
    return invalid("* BatchEmbedContentsRequest.requests: requests is not specified");
  }
  std::string out = R"({"embeddings":[)";
  bool first = true;
  for (dom::element r : requests) {
    std::string_view request_model, text;
    if (r["model"].get(request_model) || request_model != "models/" + model) {
      return invalid("* BatchEmbedContentsRequest.requests[0].model: the model must be models/" +
                     model);
    }
    if (r["content"]["parts"].at(0)["text"].get(text)) {
      return invalid("* BatchEmbedContentsRequest.requests[0].content: text is required");
    }
    int64_t dims = 8;
    if (auto d = r["outputDimensionality"]; d.error() == simdjson::SUCCESS) {
      if (d.get(dims) || dims < 1 || dims > 3072) return invalid("bad outputDimensionality");
    }
    if (!first) out.push_back(',');
    first = false;
    out += R"({"values":[)";
    for (int64_t k = 0; k < dims; ++k) {
      if (k > 0) out.push_back(',');
      out += std::to_string(static_cast<double>((text.size() + static_cast<std::size_t>(k)) % 7) /
                            8.0);
    }
    out += "]}";
  }
  out += "]}";
  return whole(200, std::move(out));
}

}  // namespace

bool is_gemini_path(std::string_view path) {
  return path.starts_with(kPrefix);
}

std::string gemini_error(int status, std::string_view message) {
  std::string out = R"({"error":{"code":)" + std::to_string(status) + R"(,"message":)";
  append_json_string(out, message.empty() ? default_message(status) : message);
  out += R"(,"status":")";
  out += status_name(status);
  out += '"';
  if (status == 429) {
    out += R"(,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}])";
  } else if (status == 400 && message.starts_with("API key not valid")) {
    out +=
        R"(,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}])";
  }
  out += "}}";
  return out;
}

DialectReply gemini_reply(bool is_post, std::string_view target, const GeminiSteering& g,
                          std::string& body, const Steering& s) {
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view rest = path.substr(kPrefix.size());
  std::size_t colon = rest.rfind(':');
  std::string model(rest.substr(0, colon));
  std::string_view method =
      colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  bool streaming = method == "streamGenerateContent";
  bool embedding = method == "batchEmbedContents";
  if (model.empty() || (!streaming && !embedding && method != "generateContent")) {
    return whole(404, gemini_error(404, "Method not found."));
  }
  if (!is_post) return whole(404, gemini_error(404, "Method not found."));
  if (g.api_key.empty()) {
    return whole(403, gemini_error(403,
                                   "Method doesn't allow unregistered callers (callers without "
                                   "established identity). Please use API Key or other form of "
                                   "API consumer identity to call this API."));
  }
  if (g.api_key == "invalid") {
    return invalid("API key not valid. Please pass a valid API key.");
  }
  if (s.status >= 400) {
    DialectReply reply = whole(s.status, gemini_error(s.status, g.error_message));
    return reply;
  }
  if (embedding) return embed_reply(model, body);
  GeminiRequest req = read_gemini_request(body);
  if (!req.error.empty()) return invalid(req.error);

  int tokens = s.completion_tokens;
  std::string finish = g.finish_reason.empty() ? "STOP" : g.finish_reason;
  if (req.max_output_tokens > 0 && req.max_output_tokens < tokens) {
    tokens = static_cast<int>(req.max_output_tokens);
    if (g.finish_reason.empty()) finish = "MAX_TOKENS";
  }
  std::string text = completion_text(tokens, s.body_bytes);
  std::int64_t completion = g.function_call.empty() ? tokens : 5;
  std::string blocked;
  if (!g.block_reason.empty()) {
    blocked = R"({"promptFeedback":{"blockReason":)";
    append_json_string(blocked, g.block_reason);
    blocked += "}," + usage_metadata(req.prompt_tokens, 0) + tail(model) + "}";
  }

  if (!streaming || query_value(target, "alt") != "sse") {
    std::string out;
    if (!blocked.empty()) {
      out = blocked;
    } else {
      out = R"({"candidates":[)";
      for (int i = 0; i < req.candidates; ++i) {
        if (i > 0) out.push_back(',');
        std::string parts = g.function_call.empty()
                                ? text_part(text)
                                : function_call_part(g.function_call, g.thought_signature);
        out += candidate(i, parts, finish);
      }
      out +=
          "]," + usage_metadata(req.prompt_tokens, completion * req.candidates) + tail(model) + "}";
    }
    // Without alt=sse, Google streams one JSON array of responses.
    if (streaming) out = "[" + out + "]";
    return whole(200, std::move(out));
  }

  DialectReply reply;
  reply.stream = true;
  reply.separator = "\r\n\r\n";
  if (!blocked.empty()) {
    reply.events.push_back(std::move(blocked));
    return reply;
  }
  if (!g.function_call.empty()) {
    std::string event = R"({"candidates":[)";
    for (int i = 0; i < req.candidates; ++i) {
      if (i > 0) event.push_back(',');
      event += candidate(i, function_call_part(g.function_call, g.thought_signature), finish);
    }
    event +=
        "]," + usage_metadata(req.prompt_tokens, completion * req.candidates) + tail(model) + "}";
    reply.events.push_back(std::move(event));
    return reply;
  }
  std::size_t chunks = static_cast<std::size_t>(s.chunks);
  std::size_t per_chunk = (text.size() + chunks - 1) / chunks;
  for (std::size_t k = 0; k < chunks; ++k) {
    bool last = k + 1 == chunks;
    std::string piece = text.substr(std::min(text.size(), k * per_chunk), per_chunk);
    std::string event = R"({"candidates":[)";
    for (int i = 0; i < req.candidates; ++i) {
      if (i > 0) event.push_back(',');
      event += candidate(i, text_part(piece), last ? std::string_view(finish) : "");
    }
    event += "]," + usage_metadata(req.prompt_tokens, last ? completion * req.candidates : 0) +
             tail(model) + "}";
    reply.events.push_back(std::move(event));
  }
  return reply;
}

}  // namespace tollgate::mock
