#include "routing/providers/anthropic/anthropic_response.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "gateway/core/anthropic_errors.h"
#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/anthropic/anthropic_json.h"
#include "routing/providers/anthropic/anthropic_tables.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

core::Usage AnthropicUsage::to_core() const {
  core::Usage usage;
  usage.prompt_tokens = prompt_tokens();
  usage.completion_tokens = output_tokens;
  usage.reported = reported;
  return usage;
}

std::string AnthropicUsage::openai_json() const {
  std::int64_t prompt = prompt_tokens();
  std::string out = R"({"prompt_tokens":)" + std::to_string(prompt) + R"(,"completion_tokens":)" +
                    std::to_string(output_tokens) + R"(,"total_tokens":)" +
                    std::to_string(prompt + output_tokens);
  if (cache_read_input_tokens > 0 || cache_creation_input_tokens > 0) {
    out += R"(,"prompt_tokens_details":{"cached_tokens":)" +
           std::to_string(cache_read_input_tokens) + R"(,"cache_write_tokens":)" +
           std::to_string(cache_creation_input_tokens) + "}";
  }
  out += "}";
  return out;
}

void AnthropicUsage::read(const json::object& usage) {
  auto take = [&](std::string_view key, std::int64_t& into) {
    const json::value* v = field(usage, key);
    if (v != nullptr && (v->is_int64() || v->is_uint64())) {
      into = int_field(usage, key);
      reported = true;
    }
  };
  take("input_tokens", input_tokens);
  take("output_tokens", output_tokens);
  take("cache_creation_input_tokens", cache_creation_input_tokens);
  take("cache_read_input_tokens", cache_read_input_tokens);
}

std::string completion_id(std::string_view message_id) {
  return "chatcmpl-" + std::string(message_id);
}

namespace {

// The provider's blocks as kKeptMember lists them (anthropic_tables.h).
struct KeptBlocks {
  std::string content;
  void add(const json::object& block, std::string_view type) {
    content += content.empty() ? "[" : ",";
    if (type == "text") {
      content += R"({"type":"text","bytes":)" +
                 std::to_string(string_field(block, "text").value_or("").size());
      if (const json::value* citations = field(block, "citations")) {
        content += R"(,"citations":)" + to_json(*citations);
      }
      content += "}";
    } else if (type == "tool_use") {
      content += R"({"type":"tool_use"})";
    } else {
      content += to_json(block);
    }
  }
  // `,"x_tollgate_anthropic":{...}` for the message.
  std::string member(const json::object& message) const {
    std::string out = ",\"" + std::string(kKeptMember) + R"(":{"content":)";
    out += content.empty() ? "[]" : content + "]";
    for (std::string_view key : {"stop_reason", "stop_sequence"}) {
      if (const json::value* v = field(message, key); v != nullptr && v->is_string()) {
        out += ",\"" + std::string(key) + "\":" + to_json(*v);
      }
    }
    return out + "}";
  }
};

}  // namespace

TranslatedAnswer translate_message(std::string_view anthropic_body, const AnswerContext& context) {
  TranslatedAnswer answer;
  boost::system::error_code ec;
  json::value doc = json::parse(anthropic_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return answer;
  const json::object& message = doc.get_object();
  const json::value* content = field(message, "content");
  if (string_field(message, "type").value_or("") != "message" || content == nullptr ||
      !content->is_array()) {
    return answer;
  }

  std::string text;
  bool has_text = false;
  std::string calls;
  int call_count = 0;
  KeptBlocks kept;
  for (const auto& item : content->get_array()) {
    if (!item.is_object()) continue;
    const json::object& block = item.get_object();
    std::string_view type = string_field(block, "type").value_or("");
    if (context.keep_blocks) kept.add(block, type);
    if (type == "text") {
      text.append(string_field(block, "text").value_or(""));
      has_text = true;
    } else if (type == "tool_use") {
      calls += call_count++ == 0 ? "[" : ",";
      calls += R"({"id":)";
      core::append_json_string(calls, string_field(block, "id").value_or(""));
      calls += R"(,"type":"function","function":{"name":)";
      core::append_json_string(calls, string_field(block, "name").value_or(""));
      calls += R"(,"arguments":)";
      const json::value* input = field(block, "input");
      core::append_json_string(calls, input != nullptr ? to_json(*input) : "{}");
      calls += "}}";
    }
    // thinking, redacted_thinking and server-tool blocks have no place in a chat
    // completion message: kept aside for an Anthropic client only.
  }
  if (call_count > 0) calls += "]";

  std::string_view stop_reason = string_field(message, "stop_reason").value_or("end_turn");
  answer.finish_reason = std::string(map_stop_reason(stop_reason));
  answer.refused = stop_reason == "refusal";
  if (const json::value* usage = field(message, "usage"); usage != nullptr && usage->is_object()) {
    answer.usage.read(usage->get_object());
  }

  auto id = string_field(message, "id");
  auto model = string_field(message, "model");
  std::string& out = answer.body;
  out = R"({"id":)";
  core::append_json_string(out, id && !id->empty() ? completion_id(*id) : context.id);
  out += R"(,"object":"chat.completion","created":)" + std::to_string(context.created) +
         R"(,"model":)";
  core::append_json_string(out, model && !model->empty() ? *model : context.model);
  out += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
  if (has_text || call_count == 0) {
    core::append_json_string(out, text);
  } else {
    out += "null";
  }
  out += R"(,"refusal":null)";
  if (call_count > 0) out += R"(,"tool_calls":)" + calls;
  if (context.keep_blocks) out += kept.member(message);
  out += R"(},"logprobs":null,"finish_reason":)";
  core::append_json_string(out, answer.finish_reason);
  out += R"(}],"usage":)" + answer.usage.openai_json() + "}";
  answer.ok = true;
  return answer;
}

// ---- errors ----

namespace {

struct ErrorMapping {
  int status;
  core::FailureClass failure;
  std::string_view type;
  std::string_view code;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Anthropic words a too-long prompt as "prompt is too long: 201234 tokens > 200000
// maximum" or "input length and `max_tokens` exceed context limit: ...".
bool says_too_long(std::string_view message) {
  std::string m = lower(message);
  return m.find("prompt is too long") != std::string::npos ||
         m.find("exceed context limit") != std::string::npos ||
         m.find("context window") != std::string::npos;
}

ErrorMapping mapping_for(std::string_view type, int status, std::string_view message) {
  using F = core::FailureClass;
  if (type == "invalid_request_error") {
    if (says_too_long(message)) {
      return {400, F::context_length, "invalid_request_error", "context_length_exceeded"};
    }
    return {400, F::client_error, "invalid_request_error", "invalid_request"};
  }
  // Both answer the gateway's key, not the client's request (the proxy handler tells the
  // client so with a 502).
  if (type == "authentication_error") {
    return {401, F::credentials_refused, "invalid_request_error", "invalid_api_key"};
  }
  if (type == "billing_error") {
    return {402, F::client_error, "insufficient_quota", "insufficient_quota"};
  }
  if (type == "permission_error") {
    return {403, F::credentials_refused, "permission_error", "permission_denied"};
  }
  if (type == "not_found_error") {
    bool model = lower(message).find("model") != std::string::npos;
    return {404, F::client_error, "invalid_request_error", model ? "model_not_found" : "not_found"};
  }
  if (type == "request_too_large") {
    return {413, F::client_error, "invalid_request_error", "request_too_large"};
  }
  if (type == "rate_limit_error") return {429, F::rate_limit, "requests", "rate_limit_exceeded"};
  if (type == "timeout_error") return {504, F::timeout, "server_error", "upstream_timeout"};
  // 529 is Anthropic's own status; clients and proxies know 503 for "try again later".
  if (type == "overloaded_error") return {503, F::server_error, "server_error", "overloaded"};
  if (type == "api_error") {
    return {status >= 500 ? status : 500, F::server_error, "server_error", "server_error"};
  }
  // A type added later: the status decides.
  if (status == 429) return {429, F::rate_limit, "requests", "rate_limit_exceeded"};
  if (status == 408) return {408, F::timeout, "server_error", "upstream_timeout"};
  if (status >= 500) return {status, F::server_error, "server_error", "server_error"};
  return {status >= 400 ? status : 502, F::client_error, "invalid_request_error",
          "invalid_request"};
}

}  // namespace

int status_for_error_type(std::string_view type) {
  return core::anthropic_error_status(type);
}

MappedError map_error(int status, std::string_view body, std::string_view retry_after) {
  std::string type;
  std::string message;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, core::bounded_json_options());
  if (!ec && doc.is_object()) {
    if (const json::value* error = field(doc.get_object(), "error");
        error != nullptr && error->is_object()) {
      type = std::string(string_field(error->get_object(), "type").value_or(""));
      message = std::string(string_field(error->get_object(), "message").value_or(""));
    }
  }
  if (type.empty()) type = std::string(core::anthropic_error_type(status));
  if (message.empty()) {
    message = "the provider answered with HTTP status " + std::to_string(status);
  }
  ErrorMapping m = mapping_for(type, status, message);
  // The HTTP status decides when it disagrees on retrying (a 5xx is never the client's).
  if (status >= 500 && m.failure == core::FailureClass::client_error) {
    m = {status, core::FailureClass::server_error, "server_error", "server_error"};
  }

  MappedError out;
  out.failure = m.failure;
  out.response = core::error_response(core::ErrorInfo{m.status, m.type, m.code}, message);
  if (!retry_after.empty() && (m.failure == core::FailureClass::rate_limit ||
                               m.failure == core::FailureClass::server_error)) {
    out.response.headers.set("retry-after", retry_after);
  }
  return out;
}

}  // namespace tollgate::routing::providers::anthropic
