// POST /v1/responses on the demo provider. Every body is written by hand in the field
// order OpenAI uses; tests/integration validates each against the official schemas.
#include "routing/providers/demo/demo_responses.h"

#include <chrono>
#include <ctime>
#include <optional>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "routing/providers/demo/demo_steering.h"
#include "routing/providers/demo/demo_text.h"

namespace tollgate::routing::providers::demo {

namespace asio = boost::asio;
namespace json = boost::json;
using core::append_json_string;

namespace {

constexpr auto kWordDelay = std::chrono::milliseconds(25);

// The text of a string or of an array of parts with `text` (input_text, output_text).
std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content.get_array()) {
    const json::object* p = part.if_object();
    const json::value* t = p != nullptr ? p->if_contains("text") : nullptr;
    if (t == nullptr || !t->is_string()) continue;
    if (!out.empty()) out += ' ';
    out += t->get_string();
  }
  return out;
}

struct Prompt {
  std::string all_text;   // instructions and every input text, for the token count
  std::string last_user;  // what the reply quotes
  std::optional<std::string> instructions;
};

Prompt read_prompt(std::string_view body) {
  Prompt prompt;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);  // the gateway has checked it already
  if (ec || !doc.is_object()) return prompt;
  const json::object& root = doc.get_object();
  if (const json::value* i = root.if_contains("instructions"); i != nullptr && i->is_string()) {
    prompt.instructions = std::string(i->get_string());
    prompt.all_text = *prompt.instructions;
  }
  const json::value* input = root.if_contains("input");
  if (input == nullptr) return prompt;
  if (input->is_string()) {
    prompt.last_user = std::string(input->get_string());
    prompt.all_text += ' ' + prompt.last_user;
    return prompt;
  }
  if (!input->is_array()) return prompt;
  for (const auto& item : input->get_array()) {
    const json::object* it = item.if_object();
    if (it == nullptr) continue;
    const json::value* content = it->if_contains("content");
    const json::value* output = it->if_contains("output");  // a function call's result
    std::string text = text_of(content != nullptr ? *content : output != nullptr ? *output : item);
    prompt.all_text += ' ' + text;
    const json::value* role = it->if_contains("role");
    if (role != nullptr && role->is_string() && role->get_string() == "user")
      prompt.last_user = text;
  }
  return prompt;
}

// One answer's ids, text and counts, and the writers of its objects.
struct Answer {
  std::string id, item_id, call_id, model;
  std::optional<std::string> instructions;
  Steering steering;
  std::string text;  // the reply, the JSON text, or the call's arguments
  std::int64_t created = 0;
  std::int64_t input_tokens = 0, output_tokens = 0;

  bool calls() const { return steering.kind == Steering::Kind::tool_call; }

  std::string part(bool done) const {
    std::string out = R"({"type":"output_text","text":)";
    append_json_string(out, done ? text : std::string());
    return out + R"(,"annotations":[],"logprobs":[]})";
  }

  std::string item(bool done) const {
    std::string status = done ? R"("completed")" : R"("in_progress")";
    std::string out;
    if (calls()) {
      out = R"({"type":"function_call","id":)";
      append_json_string(out, item_id);
      out += R"(,"call_id":)";
      append_json_string(out, call_id);
      out += R"(,"name":)";
      append_json_string(out, steering.tool_name);
      out += R"(,"arguments":)";
      append_json_string(out, done ? text : std::string());
      return out + R"(,"status":)" + status + "}";
    }
    out = R"({"type":"message","id":)";
    append_json_string(out, item_id);
    out += R"(,"status":)" + status + R"(,"role":"assistant","content":[)";
    if (done) out += part(true);
    return out + "]}";
  }

  std::string response(bool done) const {
    std::string out = R"({"id":)";
    append_json_string(out, id);
    out += R"(,"object":"response","created_at":)" + std::to_string(created);
    out += done ? R"(,"status":"completed","completed_at":)" + std::to_string(std::time(nullptr))
                : std::string(R"(,"status":"in_progress","completed_at":null)");
    out += R"(,"error":null,"incomplete_details":null,"instructions":)";
    if (instructions) {
      append_json_string(out, *instructions);
    } else {
      out += "null";
    }
    out += R"(,"max_output_tokens":null,"model":)";
    append_json_string(out, model);
    out += R"(,"output":[)";
    if (done) out += item(true);
    out += R"(],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":null,)";
    out += R"("store":false,"temperature":1.0,"text":{"format":{"type":)";
    out += steering.kind == Steering::Kind::json ? R"("json_object"}},)" : R"("text"}},)";
    if (calls()) {
      out += R"("tool_choice":{"type":"function","name":)";
      append_json_string(out, steering.tool_name);
      out += "},";
    } else {
      out += R"("tool_choice":"auto",)";
    }
    out += R"("tools":[],"top_p":1.0,"truncation":"disabled")";
    if (done) {  // usage only once known: the schema has no null for it
      out +=
          R"(,"usage":{"input_tokens":)" + std::to_string(input_tokens) +
          R"(,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":)" +
          std::to_string(output_tokens) +
          R"(,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":)" +
          std::to_string(input_tokens + output_tokens) + "}";
    }
    return out + R"(,"metadata":{}})";
  }
};

// Writes numbered events: every Responses stream event has a sequence_number. The caller
// fills `fields` (the members after type and sequence_number, without braces) before
// each send: no temporary in a co_await expression (see core/response.h on GCC 12).
class EventWriter {
 public:
  explicit EventWriter(core::ResponseSink& sink) : sink_(sink) {}
  std::string fields;
  asio::awaitable<void> send(std::string_view type) {
    chunk_.event = std::string(type);
    chunk_.data = R"({"type":")" + std::string(type) + R"(","sequence_number":)" +
                  std::to_string(sequence_++) + "," + fields + "}";
    co_await sink_.send_chunk(chunk_);
  }

 private:
  core::ResponseSink& sink_;
  core::Chunk chunk_;
  int sequence_ = 0;
};

std::string where(const Answer& a, bool content) {
  std::string out = R"("item_id":)";
  append_json_string(out, a.item_id);
  out += R"(,"output_index":0)";
  if (content) out += R"(,"content_index":0)";
  return out;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// A function call's events, between output_item.added and output_item.done.
asio::awaitable<void> stream_call(const Answer& a, EventWriter& events) {
  events.fields = where(a, false) + R"(,"delta":)" + json_string(a.text);
  co_await events.send("response.function_call_arguments.delta");
  events.fields = where(a, false) + R"(,"name":)" + json_string(a.steering.tool_name) +
                  R"(,"arguments":)" + json_string(a.text);
  co_await events.send("response.function_call_arguments.done");
}

// A message's events, between output_item.added and output_item.done: its text a word
// at a time.
asio::awaitable<void> stream_text(const Answer& a, EventWriter& events) {
  events.fields = where(a, true) + R"(,"part":)" + a.part(false);
  co_await events.send("response.content_part.added");
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (const std::string& word : split_for_stream(a.text)) {
    timer.expires_after(kWordDelay);
    co_await timer.async_wait(asio::use_awaitable);
    events.fields = where(a, true) + R"(,"delta":)" + json_string(word) + R"(,"logprobs":[])";
    co_await events.send("response.output_text.delta");
  }
  events.fields = where(a, true) + R"(,"text":)" + json_string(a.text) + R"(,"logprobs":[])";
  co_await events.send("response.output_text.done");
  events.fields = where(a, true) + R"(,"part":)" + a.part(true);
  co_await events.send("response.content_part.done");
}

asio::awaitable<void> stream(core::Exchange& exchange, const Answer& a, core::ResponseSink& sink) {
  exchange.streamed = true;
  core::Headers no_headers;
  co_await sink.begin_stream(200, no_headers);
  EventWriter events(sink);
  events.fields = R"("response":)" + a.response(false);
  co_await events.send("response.created");
  co_await events.send("response.in_progress");
  events.fields = R"("output_index":0,"item":)" + a.item(false);
  co_await events.send("response.output_item.added");
  if (a.calls()) {
    co_await stream_call(a, events);
  } else {
    co_await stream_text(a, events);
  }
  events.fields = R"("output_index":0,"item":)" + a.item(true);
  co_await events.send("response.output_item.done");
  events.fields = R"("response":)" + a.response(true);
  co_await events.send("response.completed");
  co_await sink.end_stream();
}

}  // namespace

asio::awaitable<void> answer_responses(core::Exchange& exchange, const std::string& model,
                                       core::ResponseSink& sink) {
  std::optional<core::Response> refusal;
  Answer a;
  a.steering = read_responses_steering(exchange.body, refusal);
  if (refusal) {
    co_await sink.send(*refusal);
    co_return;
  }
  Prompt prompt = read_prompt(exchange.body);
  a.id = "resp_" + exchange.request_id;
  a.item_id = (a.calls() ? "fc_" : "msg_") + exchange.request_id;
  a.call_id = "call_" + exchange.request_id;
  a.model = model;
  a.instructions = std::move(prompt.instructions);
  a.created = std::time(nullptr);
  a.text = a.steering.kind == Steering::Kind::text ? demo_reply(prompt.last_user) : a.steering.json;
  a.input_tokens = count_words(prompt.all_text);
  a.output_tokens = a.calls() ? 1 + count_words(a.text) : count_words(a.text);
  exchange.usage = {a.input_tokens, a.output_tokens, true};
  if (exchange.json.stream) {
    co_await stream(exchange, a, sink);
    co_return;
  }
  core::Response response;
  response.headers.set("content-type", "application/json");
  response.body = a.response(true);
  co_await sink.send(response);
}

}  // namespace tollgate::routing::providers::demo
