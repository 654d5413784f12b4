// Gemini answers for the mock: GenerateContentResponse bodies, SSE streams, embeddings
// and Google errors (the request checks are in mock_gemini_request.cpp).
#include "loadtest/mock_provider/mock_gemini.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <simdjson.h>

#include "loadtest/mock_provider/mock_bodies.h"
#include "loadtest/mock_provider/mock_gemini_request.h"

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

// A caller Google would turn away before reading the body (no key, a bad key), or the
// error status x-mock-status asks for.
std::optional<DialectReply> refuse_caller(const GeminiSteering& g, const Steering& s) {
  if (g.api_key.empty()) {
    return whole(403, gemini_error(403,
                                   "Method doesn't allow unregistered callers (callers without "
                                   "established identity). Please use API Key or other form of "
                                   "API consumer identity to call this API."));
  }
  if (g.api_key == "invalid") return invalid("API key not valid. Please pass a valid API key.");
  if (s.status >= 400) return whole(s.status, gemini_error(s.status, g.error_message));
  return std::nullopt;
}

// What the answer says, whole or streamed.
struct Answer {
  std::string model;
  std::int64_t prompt_tokens = 0;
  int candidates = 1;
  std::string text;
  std::int64_t completion = 0;  // tokens per candidate
  std::string finish;
  std::string function_call;  // the functionCall part, when x-mock-function-call asks for one
  std::string blocked;        // the whole response, when x-mock-block-reason blocks the prompt
};

Answer make_answer(const GeminiRequest& req, const std::string& model, const GeminiSteering& g,
                   const Steering& s) {
  Answer a;
  a.model = model;
  a.prompt_tokens = req.prompt_tokens;
  a.candidates = req.candidates;
  int tokens = s.completion_tokens;
  a.finish = g.finish_reason.empty() ? "STOP" : g.finish_reason;
  if (req.max_output_tokens > 0 && req.max_output_tokens < tokens) {
    tokens = static_cast<int>(req.max_output_tokens);
    if (g.finish_reason.empty()) a.finish = "MAX_TOKENS";
  }
  a.text = completion_text(tokens, s.body_bytes);
  a.completion = g.function_call.empty() ? tokens : 5;
  if (!g.function_call.empty())
    a.function_call = function_call_part(g.function_call, g.thought_signature);
  if (!g.block_reason.empty()) {
    a.blocked = R"({"promptFeedback":{"blockReason":)";
    append_json_string(a.blocked, g.block_reason);
    a.blocked += "}," + usage_metadata(req.prompt_tokens, 0) + tail(model) + "}";
  }
  return a;
}

// One GenerateContentResponse: every candidate with the same parts.
std::string response(const Answer& a, std::string_view parts, std::string_view finish,
                     std::int64_t completion) {
  std::string out = R"({"candidates":[)";
  for (int i = 0; i < a.candidates; ++i) {
    if (i > 0) out.push_back(',');
    out += candidate(i, parts, finish);
  }
  out += "]," + usage_metadata(a.prompt_tokens, completion * a.candidates) + tail(a.model) + "}";
  return out;
}

std::string whole_response(const Answer& a) {
  if (!a.blocked.empty()) return a.blocked;
  std::string parts = a.function_call.empty() ? text_part(a.text) : a.function_call;
  return response(a, parts, a.finish, a.completion);
}

// The SSE events: the text in s.chunks pieces (finish and usage on the last), or one
// event for a blocked prompt or a function call.
std::vector<std::string> stream_responses(const Answer& a, const Steering& s) {
  if (!a.blocked.empty()) return {a.blocked};
  if (!a.function_call.empty()) return {response(a, a.function_call, a.finish, a.completion)};
  std::vector<std::string> events;
  std::size_t chunks = static_cast<std::size_t>(s.chunks);
  std::size_t per_chunk = (a.text.size() + chunks - 1) / chunks;
  for (std::size_t k = 0; k < chunks; ++k) {
    bool last = k + 1 == chunks;
    std::string piece = a.text.substr(std::min(a.text.size(), k * per_chunk), per_chunk);
    events.push_back(response(a, text_part(piece), last ? std::string_view(a.finish) : "",
                              last ? a.completion : 0));
  }
  return events;
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
  if (auto refused = refuse_caller(g, s)) return *refused;
  if (embedding) return embed_reply(model, body);
  GeminiRequest req = read_gemini_request(body);
  if (!req.error.empty()) return invalid(req.error);

  Answer answer = make_answer(req, model, g, s);
  if (!streaming || query_value(target, "alt") != "sse") {
    std::string out = whole_response(answer);
    // Without alt=sse, Google streams one JSON array of responses.
    if (streaming) out = "[" + out + "]";
    return whole(200, std::move(out));
  }
  DialectReply reply;
  reply.stream = true;
  reply.separator = "\r\n\r\n";
  reply.events = stream_responses(answer, s);
  return reply;
}

}  // namespace tollgate::mock
