// Demo answers in OpenAI's exact shapes (CreateChatCompletionResponse, ...StreamResponse,
// CreateCompletionResponse, CreateEmbeddingResponse), with usage counted in words.
// A core::Provider of its own, not a dialect: it makes no upstream call, so the attempt
// driver (send, relay, stream endings) would have nothing to drive, and its stream is
// paced by a timer rather than by a provider's events.
#include "routing/providers/demo/demo_provider.h"

#include <chrono>
#include <ctime>
#include <optional>

#include <simdjson.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/errors.h"
#include "routing/providers/demo/demo_responses.h"
#include "routing/providers/demo/demo_steering.h"
#include "routing/providers/demo/demo_text.h"

namespace tollgate::routing::providers {

namespace asio = boost::asio;
using core::append_json_string;
using core::CallOutcome;

namespace {

constexpr auto kWordDelay = std::chrono::milliseconds(25);
constexpr std::size_t kDefaultDimensions = 1536;
constexpr std::size_t kMaxDimensions = 8192;

// What the demo reads from a request.
struct DemoInput {
  std::string all_text;             // every prompt string, for the token count
  std::string last_user_text;       // what the reply quotes
  std::vector<std::string> inputs;  // embeddings: one entry per input
  std::size_t dimensions = kDefaultDimensions;
  bool base64 = false;
};

void append_text(std::string& out, std::string_view text) {
  if (!out.empty()) out.push_back(' ');
  out.append(text);
}

// Message content is a string or an array of parts; only text parts count.
std::string content_text(simdjson::dom::element content) {
  std::string text;
  if (content.is_string()) return std::string(content.get_string().value());
  if (content.is_array()) {
    for (auto part : content.get_array()) {
      auto t = part["text"];
      if (!t.error() && t.is_string()) append_text(text, t.get_string().value());
    }
  }
  return text;
}

DemoInput read_input(core::Exchange& exchange) {
  DemoInput in;
  thread_local simdjson::dom::parser parser;
  core::ensure_json_padding(exchange.body);
  auto doc = parser.parse(exchange.body.data(), exchange.body.size(), false);
  if (doc.error()) return in;
  simdjson::dom::element root = doc.value();
  if (auto messages = root["messages"]; !messages.error() && messages.is_array()) {
    for (auto message : messages.get_array()) {
      auto content = message["content"];
      if (content.error()) continue;
      std::string text = content_text(content.value());
      append_text(in.all_text, text);
      auto role = message["role"];
      if (!role.error() && role.is_string() && role.get_string().value() == "user") {
        in.last_user_text = text;
      }
    }
  }
  for (const char* key : {"prompt", "input"}) {
    auto field = root[key];
    if (field.error()) continue;
    if (field.is_string()) {
      in.inputs.emplace_back(field.get_string().value());
    } else if (field.is_array()) {
      for (auto item : field.get_array()) {
        in.inputs.emplace_back(item.is_string() ? std::string(item.get_string().value())
                                                : simdjson::to_string(item));
      }
    }
  }
  for (const auto& input : in.inputs) append_text(in.all_text, input);
  if (in.last_user_text.empty() && !in.inputs.empty()) in.last_user_text = in.inputs.back();
  if (auto d = root["dimensions"]; !d.error() && d.is_uint64()) {
    in.dimensions =
        std::min<std::size_t>(std::max<std::uint64_t>(1, d.get_uint64().value()), kMaxDimensions);
  }
  if (auto f = root["encoding_format"]; !f.error() && f.is_string()) {
    in.base64 = f.get_string().value() == "base64";
  }
  return in;
}

void append_usage(std::string& out, std::int64_t prompt, std::int64_t completion) {
  out += R"("usage":{"prompt_tokens":)" + std::to_string(prompt) + R"(,"completion_tokens":)" +
         std::to_string(completion) + R"(,"total_tokens":)" + std::to_string(prompt + completion) +
         "}";
}

// The fields every chat/completion object starts with.
std::string object_head(std::string_view id_prefix, std::string_view object,
                        const core::Exchange& exchange, std::string_view model) {
  std::string out = R"({"id":)";
  append_json_string(out, std::string(id_prefix) + exchange.request_id);
  out += R"(,"object":")";
  out += object;
  out += R"(","created":)" + std::to_string(std::time(nullptr)) + R"(,"model":)";
  append_json_string(out, model);
  return out;
}

class DemoProvider final : public core::Provider {
 public:
  explicit DemoProvider(const core::ProviderConfig& config) : config_(config) {}
  const core::ProviderConfig& config() const override { return config_; }

  // Always succeeds: `outcome` stays empty.
  asio::awaitable<void> call(core::Exchange& exchange, const core::TargetConfig& target,
                             core::CallContext context, CallOutcome&) override {
    DemoInput in = read_input(exchange);
    const std::string& model = target.model;
    switch (exchange.operation) {
      case core::Operation::embeddings: {
        std::string body = embeddings(in, model, exchange);
        co_await send_json(context.sink, body);
        break;
      }
      case core::Operation::chat_completions:
      case core::Operation::completions: {
        // tools, tool_choice, response_format: honoured, or a 400 naming the field.
        std::optional<core::Response> refusal;
        demo::Steering steering;
        if (is_chat(exchange)) steering = demo::read_chat_steering(exchange.body, refusal);
        if (refusal) {
          co_await context.sink.send(*refusal);
        } else if (exchange.json.stream) {
          co_await stream(exchange, in, steering, model, context.sink);
        } else {
          std::string body = whole_answer(exchange, in, steering, model);
          co_await send_json(context.sink, body);
        }
        break;
      }
      case core::Operation::passthrough:
        if (exchange.path == "/v1/responses") {
          co_await demo::answer_responses(exchange, model, context.sink);
          break;
        }
        [[fallthrough]];
      default: {
        core::Response response =
            exchange.operation == core::Operation::response_item
                ? core::error_response(core::ErrorKind::response_not_found,
                                       "the demo provider stores no responses", "response_id")
                : core::error_response(core::ErrorKind::not_found,
                                       "the demo provider answers chat completions, completions, "
                                       "embeddings and responses only");
        co_await context.sink.send(response);
      }
    }
  }

 private:
  static asio::awaitable<void> send_json(core::ResponseSink& sink, std::string& body) {
    core::Response response;
    response.headers.set("content-type", "application/json");
    response.body = std::move(body);
    co_await sink.send(response);
  }

  static bool is_chat(const core::Exchange& exchange) {
    return exchange.operation == core::Operation::chat_completions;
  }

  // The reply's text: the demo sentence, or the JSON object response_format asked for.
  static std::string reply_text(const DemoInput& in, const demo::Steering& steering) {
    return steering.kind == demo::Steering::Kind::json ? steering.json
                                                       : demo::demo_reply(in.last_user_text);
  }

  // A tool call's fields: id, type, function {name, arguments}.
  static std::string tool_call(const core::Exchange& exchange, const demo::Steering& steering,
                               std::string_view arguments) {
    std::string out = R"("id":)";
    append_json_string(out, "call_" + exchange.request_id);
    out += R"(,"type":"function","function":{"name":)";
    append_json_string(out, steering.tool_name);
    out += R"(,"arguments":)";
    append_json_string(out, arguments);
    return out + "}";
  }

  std::string whole_answer(core::Exchange& exchange, const DemoInput& in,
                           const demo::Steering& steering, const std::string& model) const {
    bool calls = steering.kind == demo::Steering::Kind::tool_call;
    std::string reply = calls ? steering.json : reply_text(in, steering);
    exchange.usage = {demo::count_words(in.all_text), demo::count_words(reply) + (calls ? 1 : 0),
                      true};
    std::string out;
    if (is_chat(exchange)) {
      out = object_head("chatcmpl-", "chat.completion", exchange, model);
      out += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
      if (calls) {
        out += R"(null,"tool_calls":[{)" + tool_call(exchange, steering, reply) + "}]";
      } else {
        append_json_string(out, reply);
      }
      out += R"(,"refusal":null},"logprobs":null,"finish_reason":)";
      out += calls ? R"("tool_calls"}],)" : R"("stop"}],)";
    } else {
      out = object_head("cmpl-", "text_completion", exchange, model);
      out += R"(,"choices":[{"index":0,"text":)";
      append_json_string(out, reply);
      out += R"(,"logprobs":null,"finish_reason":"stop"}],)";
    }
    append_usage(out, exchange.usage.prompt_tokens, exchange.usage.completion_tokens);
    out += "}";
    return out;
  }

  // One stream event: a chat delta or a completion text piece.
  std::string stream_event(const core::Exchange& exchange, const std::string& model,
                           const std::string* text, bool first, bool last) const {
    std::string out;
    if (is_chat(exchange)) {
      out = object_head("chatcmpl-", "chat.completion.chunk", exchange, model);
      out += R"(,"choices":[{"index":0,"delta":{)";
      if (first) out += R"("role":"assistant",)";
      if (text != nullptr) {
        out += R"("content":)";
        append_json_string(out, *text);
      } else if (first) {
        out += R"("content":"")";
      } else if (out.back() == ',') {
        out.pop_back();
      }
      out += R"(},"logprobs":null,"finish_reason":)";
    } else {
      out = object_head("cmpl-", "text_completion", exchange, model);
      out += R"(,"choices":[{"index":0,"text":)";
      append_json_string(out, text != nullptr ? *text : std::string());
      out += R"(,"logprobs":null,"finish_reason":)";
    }
    out += last ? R"("stop"}]})" : R"(null}]})";
    return out;
  }

  // A forced tool call, streamed as OpenAI does: the call's head, then its arguments.
  asio::awaitable<void> stream_tool_call(core::Exchange& exchange, const DemoInput& in,
                                         const demo::Steering& steering, const std::string& model,
                                         core::ResponseSink& sink) const {
    exchange.usage = {demo::count_words(in.all_text), 1 + demo::count_words(steering.json), true};
    exchange.streamed = true;
    core::Headers no_headers;
    co_await sink.begin_stream(200, no_headers);
    core::Chunk chunk;
    std::string head = object_head("chatcmpl-", "chat.completion.chunk", exchange, model);
    chunk.data = head + R"(,"choices":[{"index":0,"delta":{"role":"assistant","content":null,)" +
                 R"("tool_calls":[{"index":0,)" + tool_call(exchange, steering, "") +
                 R"(}]},"logprobs":null,"finish_reason":null}]})";
    co_await sink.send_chunk(chunk);
    chunk.data = head + R"(,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":)";
    chunk.data += R"({"arguments":)";
    append_json_string(chunk.data, steering.json);
    chunk.data += R"(}}]},"logprobs":null,"finish_reason":null}]})";
    co_await sink.send_chunk(chunk);
    chunk.data = head + R"(,"choices":[{"index":0,"delta":{},"logprobs":null,)" +
                 R"("finish_reason":"tool_calls"}]})";
    co_await sink.send_chunk(chunk);
    co_await end_stream(exchange, model, sink);
  }

  // The usage event when the client asked for it, [DONE] and the end.
  asio::awaitable<void> end_stream(core::Exchange& exchange, const std::string& model,
                                   core::ResponseSink& sink) const {
    core::Chunk chunk;
    if (exchange.json.include_usage) {
      chunk.data = object_head(is_chat(exchange) ? "chatcmpl-" : "cmpl-",
                               is_chat(exchange) ? "chat.completion.chunk" : "text_completion",
                               exchange, model);
      chunk.data += R"(,"choices":[],)";
      append_usage(chunk.data, exchange.usage.prompt_tokens, exchange.usage.completion_tokens);
      chunk.data += "}";
      co_await sink.send_chunk(chunk);
    }
    chunk.data = "[DONE]";
    co_await sink.send_chunk(chunk);
    co_await sink.end_stream();
  }

  asio::awaitable<void> stream(core::Exchange& exchange, const DemoInput& in,
                               const demo::Steering& steering, const std::string& model,
                               core::ResponseSink& sink) const {
    if (steering.kind == demo::Steering::Kind::tool_call) {
      co_await stream_tool_call(exchange, in, steering, model, sink);
      co_return;
    }
    std::string reply = reply_text(in, steering);
    std::vector<std::string> words = demo::split_for_stream(reply);
    exchange.usage = {demo::count_words(in.all_text), 0, true};
    exchange.streamed = true;
    core::Headers no_headers;
    co_await sink.begin_stream(200, no_headers);
    core::Chunk chunk;
    if (is_chat(exchange)) {
      chunk.data = stream_event(exchange, model, nullptr, true, false);
      co_await sink.send_chunk(chunk);
    }
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (const std::string& word : words) {
      timer.expires_after(kWordDelay);
      co_await timer.async_wait(asio::use_awaitable);
      ++exchange.usage.completion_tokens;
      chunk.data = stream_event(exchange, model, &word, false, false);
      co_await sink.send_chunk(chunk);
    }
    chunk.data = stream_event(exchange, model, nullptr, false, true);
    co_await sink.send_chunk(chunk);
    co_await end_stream(exchange, model, sink);
  }

  std::string embeddings(const DemoInput& in, const std::string& model,
                         core::Exchange& exchange) const {
    std::string out = R"({"object":"list","data":[)";
    std::int64_t tokens = 0;
    for (std::size_t i = 0; i < in.inputs.size(); ++i) {
      tokens += demo::count_words(in.inputs[i]);
      auto vector = demo::demo_embedding(in.inputs[i], in.dimensions);
      if (i > 0) out.push_back(',');
      out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)";
      if (in.base64) {
        append_json_string(out, demo::base64_floats(vector));
      } else {
        out.push_back('[');
        char buf[32];
        for (std::size_t d = 0; d < vector.size(); ++d) {
          if (d > 0) out.push_back(',');
          int n = std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(vector[d]));
          out.append(buf, static_cast<std::size_t>(n));
        }
        out.push_back(']');
      }
      out.push_back('}');
    }
    out += R"(],"model":)";
    append_json_string(out, model);
    exchange.usage = {tokens, 0, true};
    out += R"(,"usage":{"prompt_tokens":)" + std::to_string(tokens) + R"(,"total_tokens":)" +
           std::to_string(tokens) + "}}";
    return out;
  }

  const core::ProviderConfig& config_;
};

std::unique_ptr<core::Provider> make_demo_provider(const core::ProviderConfig& config,
                                                   const core::NoProviderSettings&) {
  return std::make_unique<DemoProvider>(config);
}

}  // namespace

core::ProviderKind demo_provider_kind() {
  return core::provider_kind<core::NoProviderSettings>("demo", {}, false, nullptr,
                                                       make_demo_provider);
}

}  // namespace tollgate::routing::providers
