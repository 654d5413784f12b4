// The Anthropic translators (routing/providers/anthropic): a client's OpenAI request
// becomes a Messages API request; Anthropic's answer, its errors and its stream events
// become OpenAI's shapes. Every input goes through all of them, the way the provider uses
// them (anthropic_provider.cpp), and whatever comes out must be a JSON object of the shape
// its reader expects; a stream ends with at most one "[DONE]", last.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/providers/anthropic/anthropic_request.h"
#include "routing/providers/anthropic/anthropic_response.h"
#include "routing/providers/anthropic/anthropic_stream.h"
#include "routing/providers/common/sse_parser.h"
#include "tests/fuzz/fuzz_json.h"

namespace {

namespace anthropic = tollgate::routing::providers::anthropic;
using tollgate::fuzz::check_openai_error;
using tollgate::fuzz::json_object_or_fail;

anthropic::AnswerContext answer_context() {
  return {"chatcmpl-fuzz", "claude-target", 1700000000};
}

void translate_request(std::string_view bytes) {
  anthropic::TranslatedRequest request = anthropic::translate_request(bytes, "claude-target");
  if (!request.ok) {
    FUZZ_CHECK(!request.message.empty());
    check_openai_error(anthropic::refusal_response(request), "refusal");
    return;
  }
  boost::json::object body = json_object_or_fail(request.body, "the Messages API request");
  FUZZ_CHECK(body.at("model") == "claude-target");
  FUZZ_CHECK(body.at("max_tokens").is_int64() && body.at("max_tokens").as_int64() > 0);
  FUZZ_CHECK(body.at("messages").is_array());
}

void translate_answer(std::string_view bytes) {
  anthropic::TranslatedAnswer answer = anthropic::translate_message(bytes, answer_context());
  if (answer.ok) {
    boost::json::object body = json_object_or_fail(answer.body, "the chat.completion");
    FUZZ_CHECK(body.at("object") == "chat.completion");
    FUZZ_CHECK(body.at("choices").is_array());
    FUZZ_CHECK(!answer.finish_reason.empty());
  }
  for (int status : {400, 401, 403, 404, 413, 429, 500, 529}) {
    check_openai_error(anthropic::map_error(status, bytes, bytes.substr(0, 16)).response,
                       "a mapped error");
  }
  (void)anthropic::status_for_error_type(bytes);
  (void)anthropic::map_stop_reason(bytes);
  (void)anthropic::messages_target(bytes.substr(0, 64));
}

// As AnthropicStream::on_data: events in order until the translator finishes or fails.
void translate_stream(std::string_view bytes) {
  tollgate::routing::providers::SseParser parser;
  std::vector<tollgate::core::Chunk> events;
  bool include_usage = tollgate::fuzz::hash_bytes(bytes) & 1;
  anthropic::StreamTranslator translator(answer_context(), include_usage);
  std::vector<std::string> sent;
  for (std::string_view read :
       tollgate::fuzz::cut_into_pieces(bytes, tollgate::fuzz::hash_bytes(bytes), 256)) {
    events.clear();
    parser.feed(read, events);
    for (const auto& event : events) {
      if (translator.finished() || translator.error()) break;
      std::vector<std::string> chunks;
      translator.on_event(event.event, event.data, chunks);
      sent.insert(sent.end(), chunks.begin(), chunks.end());
    }
  }
  if (tollgate::fuzz::check_chunk_stream(sent)) FUZZ_CHECK(translator.finished());
  if (translator.error()) check_openai_error(translator.error()->response, "a stream error");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  translate_request(bytes);
  translate_answer(bytes);
  translate_stream(bytes);
  return 0;
}
