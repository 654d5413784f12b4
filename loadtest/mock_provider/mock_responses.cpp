// OpenAI Responses API answers for the mock, in the shapes and event order OpenAI sends.
#include "loadtest/mock_provider/mock_responses.h"

#include <unistd.h>

#include <atomic>
#include <ctime>

#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

namespace {

// Ids this mock made start with its own prefix (its pid), so that a test running two mocks
// sees which one an id belongs to: any other id is unknown here (404).
const std::string& id_prefix() {
  static const std::string prefix = "resp_m" + std::to_string(::getpid()) + "_";
  return prefix;
}

std::string next_response_id() {
  static std::atomic<long long> counter{0};
  return id_prefix() + std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}
constexpr std::string_view kMessageId = "msg_mock";

std::string usage_json(const RequestFacts& r, const ResponsesSteering& steering,
                       long long output_tokens) {
  long long input = r.prompt_tokens;
  return R"({"input_tokens":)" + std::to_string(input) +
         R"(,"input_tokens_details":{"cached_tokens":)" + std::to_string(steering.cached_tokens) +
         R"(},"output_tokens":)" + std::to_string(output_tokens) +
         R"(,"output_tokens_details":{"reasoning_tokens":)" +
         std::to_string(steering.reasoning_tokens) + R"(},"total_tokens":)" +
         std::to_string(input + output_tokens) + "}";
}

std::string output_text_part(std::string_view text) {
  std::string out = R"({"type":"output_text","annotations":[],"logprobs":[],"text":)";
  append_json_string(out, text);
  out += "}";
  return out;
}

std::string message_item(std::string_view status, std::string_view content) {
  std::string out = R"({"id":")" + std::string(kMessageId) + R"(","type":"message","status":")" +
                    std::string(status) + R"(","role":"assistant","content":[)" +
                    std::string(content) + "]}";
  return out;
}

// The Response object. `status`: in_progress, completed, incomplete or failed; `output`
// the items' JSON; `usage` null while in progress.
std::string response_object(std::string_view id, const RequestFacts& r, std::string_view status,
                            std::string_view output, std::string_view usage) {
  std::string out = R"({"id":")" + std::string(id) + R"(","object":"response","created_at":)" +
                    std::to_string(std::time(nullptr)) + R"(,"status":")" + std::string(status) +
                    R"(","error":)";
  out += status == "failed" ? R"({"code":"server_error","message":"mock failure"})" : "null";
  out += R"(,"incomplete_details":)";
  out += status == "incomplete" ? R"({"reason":"max_output_tokens"})" : "null";
  out += R"(,"model":)";
  append_json_string(out, r.model);
  out += R"(,"output":[)" + std::string(output) + R"(],"parallel_tool_calls":true,"usage":)";
  out += usage;
  out += "}";
  return out;
}

class EventList {
 public:
  explicit EventList(DialectReply& reply) : reply_(reply) {}
  // `fields` are the members after "type" and "sequence_number", without braces.
  void add(std::string_view type, std::string_view fields) {
    reply_.event_names.emplace_back(type);
    reply_.events.push_back(R"({"type":")" + std::string(type) + R"(","sequence_number":)" +
                            std::to_string(sequence_++) + "," + std::string(fields) + "}");
  }

 private:
  DialectReply& reply_;
  int sequence_ = 0;
};

std::string item_fields(int content_index) {
  std::string out = R"("item_id":")" + std::string(kMessageId) + R"(","output_index":0)";
  if (content_index >= 0) out += R"(,"content_index":)" + std::to_string(content_index);
  return out;
}

}  // namespace

bool is_responses_path(std::string_view path) {
  return path == "/v1/responses";
}

DialectReply responses_reply(const RequestFacts& r, const ResponsesSteering& steering,
                             const Steering& s) {
  std::string text =
      s.answer.empty() ? completion_text(s.completion_tokens, s.body_bytes) : s.answer;
  long long output_tokens = s.completion_tokens + steering.reasoning_tokens;
  std::string usage = usage_json(r, steering, output_tokens);
  std::string end_status = steering.end == "incomplete" || steering.end == "failed"
                               ? steering.end
                               : std::string("completed");
  std::string done_item = message_item("completed", output_text_part(text));
  std::string id = next_response_id();
  DialectReply reply;
  if (!r.stream) {
    reply.body = response_object(id, r, end_status, done_item, usage);
    return reply;
  }
  reply.stream = true;
  EventList events(reply);
  std::string in_progress = response_object(id, r, "in_progress", "", "null");
  events.add("response.created", R"("response":)" + in_progress);
  events.add("response.in_progress", R"("response":)" + in_progress);
  events.add("response.output_item.added",
             R"("output_index":0,"item":)" + message_item("in_progress", ""));
  events.add("response.content_part.added", item_fields(0) + R"(,"part":)" + output_text_part(""));
  auto chunks = static_cast<std::size_t>(s.chunks);
  std::size_t per_chunk = (text.size() + chunks - 1) / chunks;
  for (std::size_t i = 0; i < chunks; ++i) {
    std::string piece = text.substr(std::min(text.size(), i * per_chunk), per_chunk);
    std::string fields = item_fields(0) + R"(,"delta":)";
    append_json_string(fields, piece);
    events.add("response.output_text.delta", fields + R"(,"logprobs":[])");
  }
  std::string whole_text = item_fields(0) + R"(,"text":)";
  append_json_string(whole_text, text);
  events.add("response.output_text.done", whole_text + R"(,"logprobs":[])");
  events.add("response.content_part.done", item_fields(0) + R"(,"part":)" + output_text_part(text));
  events.add("response.output_item.done", R"("output_index":0,"item":)" + done_item);
  events.add("response." + end_status,
             R"("response":)" + response_object(id, r, end_status, done_item, usage));
  return reply;
}

std::optional<ResponseItem> response_item_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/responses/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  std::size_t slash = rest.find('/');
  ResponseItem item{std::string(rest.substr(0, slash)), ""};
  if (slash != std::string_view::npos) item.sub = std::string(rest.substr(slash + 1));
  if (item.id.empty()) return std::nullopt;
  return item;
}

DialectReply response_item_reply(std::string_view method, const ResponseItem& item, bool stream) {
  DialectReply reply;
  if (!item.id.starts_with(id_prefix())) {
    reply.status = 404;
    reply.body = R"({"error":{"message":"Response with id ')" + item.id +
                 R"(' not found.","type":"invalid_request_error","param":null,"code":null}})";
    return reply;
  }
  RequestFacts stored;
  stored.model = "mock-stored";
  std::string done = message_item("completed", output_text_part("stored answer"));
  if (item.sub == "input_items") {
    reply.body = R"({"object":"list","data":[{"id":"msg_in","type":"message","role":"user",)"
                 R"("status":"completed","content":[{"type":"input_text","text":"hello"}]}],)"
                 R"("first_id":"msg_in","last_id":"msg_in","has_more":false})";
  } else if (item.sub == "cancel") {
    reply.body = response_object(item.id, stored, "cancelled", done, "null");
  } else if (method == "DELETE") {
    reply.body = R"({"id":")" + item.id + R"(","object":"response.deleted","deleted":true})";
  } else if (stream) {
    reply.stream = true;
    EventList events(reply);
    events.add("response.created",
               R"("response":)" + response_object(item.id, stored, "in_progress", "", "null"));
    events.add("response.completed",
               R"("response":)" + response_object(item.id, stored, "completed", done,
                                                  usage_json(stored, ResponsesSteering{}, 2)));
  } else {
    reply.body = response_object(item.id, stored, "completed", done,
                                 usage_json(stored, ResponsesSteering{}, 2));
  }
  return reply;
}

}  // namespace tollgate::mock
