// Anthropic's answer shapes for the mock, as its API reference documents them: the
// Message, its event stream and the error body (the request checks are in
// mock_anthropic_request.cpp).
#include "loadtest/mock_provider/mock_anthropic.h"

#include <simdjson.h>

#include "loadtest/mock_provider/mock_anthropic_request.h"
#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

namespace dom = simdjson::dom;

namespace {

std::string error_type_for(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string error_json(std::string_view type, std::string_view message) {
  std::string out = R"({"type":"error","error":{"type":)";
  append_json_string(out, type);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += R"(},"request_id":"req_mock"})";
  return out;
}

struct ToolUse {
  std::string name;
  std::string input;  // JSON object text
};

std::vector<ToolUse> read_tool_uses(std::string_view header) {
  std::vector<ToolUse> out;
  if (header.empty()) return out;
  thread_local dom::parser parser;
  std::string copy(header);
  dom::element doc;
  if (parser.parse(copy).get(doc)) return out;
  auto one = [&](dom::element e) {
    dom::object o;
    if (e.get(o)) return;
    ToolUse t;
    std::string_view name;
    if (!o["name"].get(name)) t.name = std::string(name);
    auto input = o["input"];
    t.input = input.error() ? "{}" : simdjson::to_string(input.value());
    out.push_back(std::move(t));
  };
  dom::array a;
  if (!doc.get(a)) {
    for (dom::element e : a) one(e);
  } else {
    one(doc);
  }
  return out;
}

std::string usage_json(std::int64_t input, std::int64_t output, long long cache_read) {
  return R"({"input_tokens":)" + std::to_string(input) +
         R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)" +
         std::to_string(cache_read) + R"(,"output_tokens":)" + std::to_string(output) + "}";
}

// What the answer says, whole or streamed.
struct Answer {
  std::string id = "msg_mock01";
  std::string model;  // as JSON
  std::string text;
  std::vector<ToolUse> tools;
  std::string stop_reason;
  std::string stop_sequence;  // as JSON
  std::int64_t input_words = 0;
  std::int64_t output = 0;
  long long cache_read = 0;
  LeadingSteering leading;
};

Answer make_answer(const AnthropicRequest& c, const AnthropicSteering& a, const Steering& s) {
  Answer out;
  out.tools = read_tool_uses(a.tool_use);
  out.stop_reason = a.stop_reason;
  if (out.stop_reason.empty()) out.stop_reason = out.tools.empty() ? "end_turn" : "tool_use";
  out.stop_sequence = "null";
  if (out.stop_reason == "stop_sequence") {
    out.stop_sequence.clear();
    append_json_string(out.stop_sequence, c.first_stop_sequence);
  }
  out.text = c.json_schema       ? std::string(R"({"answer":"mock"})")
             : !s.answer.empty() ? s.answer
                                 : completion_text(s.completion_tokens, s.body_bytes);
  out.output = s.completion_tokens;
  append_json_string(out.model, c.model);
  out.input_words = c.input_words;
  out.cache_read = a.cache_read_tokens;
  out.leading = a.leading;
  return out;
}

// The whole Message.
std::string message_body(const Answer& m) {
  std::string out = R"({"id":")" + m.id + R"(","type":"message","role":"assistant","model":)" +
                    m.model + R"(,"content":[)" + leading_blocks_json(m.leading) +
                    R"({"type":"text","text":)";
  append_json_string(out, m.text);
  out += "}";
  int n = 0;
  for (const auto& t : m.tools) {
    out += R"(,{"type":"tool_use","id":"toolu_mock)" + std::to_string(n++) + R"(","name":)";
    append_json_string(out, t.name);
    out += R"(,"input":)" + t.input + "}";
  }
  out += R"(],"stop_reason":)";
  append_json_string(out, m.stop_reason);
  out += R"(,"stop_sequence":)" + m.stop_sequence + R"(,"usage":)" +
         usage_json(m.input_words, m.output, m.cache_read) + "}";
  return out;
}

// The text block's deltas: the text cut in s.chunks pieces. False when x-mock-stream-error
// cut the stream after one of them (the error event is then the last).
bool text_deltas(const Answer& m, const AnthropicSteering& a, const Steering& s, int index,
                 std::vector<AnthropicEvent>& ev) {
  std::size_t pieces = static_cast<std::size_t>(std::max(1, s.chunks));
  std::size_t per = (m.text.size() + pieces - 1) / pieces;
  int deltas = 0;
  for (std::size_t i = 0; i < pieces; ++i) {
    std::size_t begin = std::min(m.text.size(), i * per);
    std::string piece = m.text.substr(begin, per);
    if (piece.empty()) continue;
    std::string data = R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                       R"(,"delta":{"type":"text_delta","text":)";
    append_json_string(data, piece);
    data += "}}";
    ev.push_back({"content_block_delta", std::move(data)});
    if (!a.stream_error.empty() && ++deltas == a.stream_error_after) return false;
  }
  return true;
}

// A tool_use block at `index`: its start, its input as partial JSON, its stop.
void tool_use_events(const ToolUse& t, int index, int n, std::vector<AnthropicEvent>& ev) {
  std::string i = std::to_string(index);
  std::string start = R"({"type":"content_block_start","index":)" + i +
                      R"(,"content_block":{"type":"tool_use","id":"toolu_mock)" +
                      std::to_string(n) + R"(","name":)";
  append_json_string(start, t.name);
  start += R"(,"input":{}}})";
  ev.push_back({"content_block_start", std::move(start)});
  // The input arrives as partial JSON: an empty first piece, as Anthropic sends, then halves.
  std::size_t half = t.input.size() / 2;
  for (std::string piece : {std::string(), t.input.substr(0, half), t.input.substr(half)}) {
    std::string data = R"({"type":"content_block_delta","index":)" + i +
                       R"(,"delta":{"type":"input_json_delta","partial_json":)";
    append_json_string(data, piece);
    data += "}}";
    ev.push_back({"content_block_delta", std::move(data)});
  }
  ev.push_back({"content_block_stop", R"({"type":"content_block_stop","index":)" + i + "}"});
}

// Anthropic's event stream for the answer, cut by an error event where steered so.
std::vector<AnthropicEvent> message_events(const Answer& m, const AnthropicSteering& a,
                                           const Steering& s) {
  std::vector<AnthropicEvent> ev;
  ev.push_back(
      {"message_start", R"({"type":"message_start","message":{"id":")" + m.id +
                            R"(","type":"message","role":"assistant","model":)" + m.model +
                            R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)" +
                            usage_json(m.input_words, 1, m.cache_read) + "}}"});
  auto stream_error = [&]() {
    ev.push_back(
        {"error", error_json(a.stream_error, a.error_message.empty() ? std::string("Overloaded")
                                                                     : a.error_message)});
    return ev;
  };
  if (!a.stream_error.empty() && a.stream_error_after <= 0) return stream_error();
  ev.push_back({"ping", R"({"type": "ping"})"});
  int index = leading_block_events(m.leading, ev);
  std::string text_index = std::to_string(index);
  ev.push_back({"content_block_start", R"({"type":"content_block_start","index":)" + text_index +
                                           R"(,"content_block":{"type":"text","text":""}})"});
  if (!text_deltas(m, a, s, index, ev)) return stream_error();
  ev.push_back(
      {"content_block_stop", R"({"type":"content_block_stop","index":)" + text_index + "}"});
  int n = 0;
  for (const auto& t : m.tools) tool_use_events(t, ++index, n++, ev);
  std::string delta = R"({"type":"message_delta","delta":{"stop_reason":)";
  append_json_string(delta, m.stop_reason);
  delta += R"(,"stop_sequence":)" + m.stop_sequence + R"(},"usage":{"output_tokens":)" +
           std::to_string(m.output) + "}}";
  ev.push_back({"message_delta", std::move(delta)});
  ev.push_back({"message_stop", R"({"type":"message_stop"})"});
  return ev;
}

}  // namespace

bool is_anthropic_path(std::string_view path) {
  return path == "/v1/messages" || path == kCountTokensPath;
}

std::string anthropic_error(int status, std::string_view message) {
  std::string text(message);
  if (text.empty()) text = "mock error with status " + std::to_string(status);
  return error_json(error_type_for(status), text);
}

AnthropicReply anthropic_reply(bool is_post, bool count_tokens, const AnthropicSteering& a,
                               std::string& body, const Steering& s) {
  AnthropicReply reply;
  auto fail = [&](int status, std::string_view message) {
    reply.status = status;
    reply.body = anthropic_error(status, message);
    reply.retry_after = status == 429 || status == 529;
    return reply;
  };
  if (!is_post) return fail(405, "Method not allowed: use POST");
  if (a.api_key.empty()) return fail(401, "x-api-key header is required");
  if (a.version.empty()) return fail(400, "anthropic-version: header is required");
  if (s.status >= 400) return fail(s.status, a.error_message);
  if (count_tokens) {
    // Anthropic refuses what only message creation takes.
    if (body.find("\"max_tokens\"") != std::string::npos) {
      return fail(400, "max_tokens: Extra inputs are not permitted");
    }
    RequestFacts facts = read_request_body(body);
    if (!facts.valid_json || facts.model.empty()) return fail(400, "model: Field required");
    reply.body = R"({"input_tokens":)" + std::to_string(facts.prompt_tokens + 3) + "}";
    return reply;
  }
  AnthropicRequest c;
  if (auto refused = check_anthropic_request(body, c)) return fail(400, *refused);

  Answer answer = make_answer(c, a, s);
  if (!c.stream) {
    reply.body = message_body(answer);
  } else {
    reply.stream = true;
    reply.events = message_events(answer, a, s);
  }
  return reply;
}

}  // namespace tollgate::mock
