// OpenAI-shaped bodies for the mock provider.
#include "loadtest/mock_provider/mock_bodies.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

namespace tollgate::mock {

namespace {

constexpr std::string_view kWords[] = {"The",  "quick", "brown", "fox",  "jumps",
                                       "over", "the",   "lazy",  "dog.", "Again,"};

std::string head(std::string_view id, std::string_view object, const RequestFacts& r) {
  std::string out = R"({"id":)";
  append_json_string(out, id);
  out += R"(,"object":")";
  out += object;
  out += R"(","created":)";
  out += std::to_string(std::time(nullptr));
  out += R"(,"model":)";
  append_json_string(out, r.model);
  return out;
}

std::string usage(const RequestFacts& r, int completion_tokens) {
  return R"("usage":{"prompt_tokens":)" + std::to_string(r.prompt_tokens) +
         R"(,"completion_tokens":)" + std::to_string(completion_tokens) + R"(,"total_tokens":)" +
         std::to_string(r.prompt_tokens + completion_tokens) + "}";
}

}  // namespace

std::string completion_text(int tokens, std::size_t bytes) {
  std::string text;
  for (int i = 0; i < tokens; ++i) {
    if (i > 0) text.push_back(' ');
    text += kWords[i % 10];
  }
  if (text.size() < bytes) text.append(bytes - text.size(), 'x');
  return text;
}

std::string chat_completion(const RequestFacts& r, std::string_view id, std::string_view text,
                            int completion_tokens) {
  std::string out = head(id, "chat.completion", r);
  out += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
  append_json_string(out, text);
  out += R"(,"refusal":null},"logprobs":null,"finish_reason":"stop"}],)";
  out += usage(r, completion_tokens);
  out += "}";
  return out;
}

std::string text_completion(const RequestFacts& r, std::string_view id, std::string_view text,
                            int completion_tokens) {
  std::string out = head(id, "text_completion", r);
  out += R"(,"choices":[{"index":0,"text":)";
  append_json_string(out, text);
  out += R"(,"logprobs":null,"finish_reason":"stop"}],)";
  out += usage(r, completion_tokens);
  out += "}";
  return out;
}

std::string chat_chunk(const RequestFacts& r, std::string_view id, std::string_view piece,
                       bool first, bool last) {
  std::string out = head(id, "chat.completion.chunk", r);
  out += R"(,"choices":[{"index":0,"delta":{)";
  if (first) out += R"("role":"assistant",)";
  if (!last) {
    out += R"("content":)";
    append_json_string(out, piece);
  } else if (out.back() == ',') {
    out.pop_back();
  }
  out += last ? R"(},"logprobs":null,"finish_reason":"stop"}]})"
              : R"(},"logprobs":null,"finish_reason":null}]})";
  return out;
}

namespace {

std::pair<std::string_view, std::string_view> split_call(std::string_view call) {
  std::size_t space = call.find(' ');
  if (space == std::string_view::npos) return {call, "{}"};
  return {call.substr(0, space), call.substr(space + 1)};
}

}  // namespace

std::string tool_call_completion(const RequestFacts& r, std::string_view id, std::string_view call,
                                 int completion_tokens) {
  auto [name, arguments] = split_call(call);
  std::string out = head(id, "chat.completion", r);
  out += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":null,)";
  out += R"("refusal":null,"tool_calls":[{"id":"call_mock1","type":"function","function":{"name":)";
  append_json_string(out, name);
  out += R"(,"arguments":)";
  append_json_string(out, arguments);
  out += R"(}}]},"logprobs":null,"finish_reason":"tool_calls"}],)";
  out += usage(r, completion_tokens);
  out += "}";
  return out;
}

std::vector<std::string> tool_call_chunks(const RequestFacts& r, std::string_view id,
                                          std::string_view call) {
  auto [name, arguments] = split_call(call);
  std::vector<std::string> out;
  std::string first = head(id, "chat.completion.chunk", r);
  first += R"(,"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[)";
  first += R"({"index":0,"id":"call_mock1","type":"function","function":{"name":)";
  append_json_string(first, name);
  first += R"(,"arguments":""}}]},"logprobs":null,"finish_reason":null}]})";
  out.push_back(std::move(first));
  std::size_t half = arguments.size() / 2;
  for (std::string_view piece : {arguments.substr(0, half), arguments.substr(half)}) {
    std::string chunk = head(id, "chat.completion.chunk", r);
    chunk += R"(,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":)";
    append_json_string(chunk, piece);
    chunk += R"(}}]},"logprobs":null,"finish_reason":null}]})";
    out.push_back(std::move(chunk));
  }
  std::string last = head(id, "chat.completion.chunk", r);
  last += R"(,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]})";
  out.push_back(std::move(last));
  return out;
}

std::string completion_chunk(const RequestFacts& r, std::string_view id, std::string_view piece,
                             bool last) {
  std::string out = head(id, "text_completion", r);
  out += R"(,"choices":[{"index":0,"text":)";
  append_json_string(out, piece);
  out += last ? R"(,"logprobs":null,"finish_reason":"stop"}]})"
              : R"(,"logprobs":null,"finish_reason":null}]})";
  return out;
}

std::string usage_chunk(const RequestFacts& r, std::string_view id, bool chat,
                        int completion_tokens) {
  std::string out = head(id, chat ? "chat.completion.chunk" : "text_completion", r);
  out += R"(,"choices":[],)";
  out += usage(r, completion_tokens);
  out += "}";
  return out;
}

namespace {

// A hashed bag of words: each lower-cased word adds ±1 to one of `dims` values, then
// length 1. Deterministic, and meaningful enough for a test: texts with the same words
// in any order, case or punctuation get the same vector; other words, another one. A
// text without a word gets the first axis.
std::vector<float> bag_of_words(std::string_view text, std::size_t dims) {
  std::vector<float> v(dims, 0.0f);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  bool in_word = false;
  auto end_word = [&] {
    if (!in_word) return;
    v[h % dims] += (h >> 63) != 0 ? 1.0f : -1.0f;
    h = 0xcbf29ce484222325ULL;
    in_word = false;
  };
  for (unsigned char c : text) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      end_word();
      continue;
    }
    h ^= static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    h *= 0x100000001b3ULL;
    in_word = true;
  }
  end_word();
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  if (norm == 0) {
    v[0] = 1.0f;
    return v;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

std::string base64_of(const std::vector<float>& values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());  // little-endian, as OpenAI's
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string enc;
  for (std::size_t k = 0; k < bytes.size(); k += 3) {
    unsigned n = static_cast<unsigned char>(bytes[k]) << 16;
    if (k + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[k + 1]) << 8;
    if (k + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[k + 2]);
    enc += kB64[(n >> 18) & 63];
    enc += kB64[(n >> 12) & 63];
    enc += k + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
    enc += k + 2 < bytes.size() ? kB64[n & 63] : '=';
  }
  return enc;
}

}  // namespace

// Each string input's vector is its hashed bag of words (`dimensions` of them, 64 by
// default); an input that is not a string (token ids) gets the first axis.
std::string embeddings(const RequestFacts& r) {
  std::string out = R"({"object":"list","data":[)";
  char number[32];
  for (std::size_t i = 0; i < r.inputs; ++i) {
    if (i > 0) out.push_back(',');
    out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)";
    std::vector<float> values =
        bag_of_words(i < r.texts.size() ? std::string_view(r.texts[i]) : "", r.dimensions);
    if (r.base64) {
      append_json_string(out, base64_of(values));
    } else {
      out.push_back('[');
      for (std::size_t d = 0; d < values.size(); ++d) {
        if (d > 0) out.push_back(',');
        std::snprintf(number, sizeof number, "%.7g", static_cast<double>(values[d]));
        out += number;
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out += R"(],"model":)";
  append_json_string(out, r.model);
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(r.prompt_tokens) + R"(,"total_tokens":)" +
         std::to_string(r.prompt_tokens) + "}}";
  return out;
}

std::string model_list() {
  return R"({"object":"list","data":[{"id":"mock-model-1","object":"model","created":0,"owned_by":"mock"},)"
         R"({"id":"mock-model-2","object":"model","created":0,"owned_by":"mock"}]})";
}

std::string mock_error_body(int status) {
  std::string_view type = status == 429   ? "requests"
                          : status >= 500 ? "server_error"
                                          : "invalid_request_error";
  std::string_view code = status == 429   ? "rate_limit_exceeded"
                          : status >= 500 ? "server_error"
                                          : "mock_error";
  std::string out = R"({"error":{"message":"mock error )" + std::to_string(status) +
                    R"(","type":")" + std::string(type) + R"(","param":null,"code":")" +
                    std::string(code) + R"("}})";
  return out;
}

std::string echo(std::string_view path, const RequestFacts& r, std::string_view body) {
  std::string out = R"({"object":"echo","path":)";
  append_json_string(out, path);
  out += R"(,"model":)";
  append_json_string(out, r.model);
  out += R"(,"body":)";
  append_json_string(out, body);
  out += "}";
  return out;
}

}  // namespace tollgate::mock
