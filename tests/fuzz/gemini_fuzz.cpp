// The Gemini translators (routing/providers/gemini/gemini_*.cpp): OpenAI chat and
// embeddings requests become Gemini's; its answers, errors, blocked prompts and stream
// events become OpenAI's shapes. Every input goes through all of them, the way the
// provider uses them (gemini_provider.cpp), and whatever comes out must be a JSON object
// of the shape its reader expects; a stream ends with at most one "[DONE]", last.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/providers/common/sse_parser.h"
#include "routing/providers/gemini/gemini_translate.h"
#include "tests/fuzz/fuzz_json.h"

namespace {

namespace gemini = tollgate::routing::providers::gemini;
using tollgate::fuzz::check_openai_error;
using tollgate::fuzz::json_object_or_fail;

gemini::AnswerContext answer_context() {
  return {"chatcmpl-fuzz", "gemini-target", 1700000000};
}

void translate_requests(std::string_view bytes) {
  gemini::TranslatedRequest request = gemini::translate_request(bytes);
  if (request.ok) {
    boost::json::object body = json_object_or_fail(request.body, "the GenerateContentRequest");
    FUZZ_CHECK(body.at("contents").is_array());
  } else {
    FUZZ_CHECK(!request.message.empty());
    check_openai_error(gemini::unsupported_field_response(request), "refusal");
  }
  gemini::TranslatedEmbeddings embeddings = gemini::translate_embeddings_request(bytes, "emb");
  if (embeddings.ok) {
    json_object_or_fail(embeddings.body, "the BatchEmbedContentsRequest");
  } else {
    FUZZ_CHECK(!embeddings.message.empty());
  }
  std::string_view path = bytes.substr(0, 64);
  (void)gemini::generate_target(path, bytes.substr(path.size(), 64), bytes.size() % 2 == 0);
  (void)gemini::embed_target(path, bytes.substr(path.size(), 64));
}

void translate_answers(std::string_view bytes) {
  gemini::TranslatedAnswer answer = gemini::translate_response(bytes, answer_context());
  if (answer.ok && answer.blocked.empty()) {
    boost::json::object body = json_object_or_fail(answer.body, "the chat.completion");
    FUZZ_CHECK(body.at("object") == "chat.completion");
    FUZZ_CHECK(body.at("choices").is_array());
  } else if (answer.ok) {
    // No candidate: the prompt was blocked, and the client is told so instead.
    check_openai_error(gemini::blocked_prompt_response(answer.blocked), "a blocked prompt");
  }
  for (bool base64 : {false, true}) {
    std::string embeddings = gemini::translate_embeddings_response(bytes, "emb", base64, 3);
    if (!embeddings.empty()) json_object_or_fail(embeddings, "the embedding list");
  }
  for (int status : {400, 401, 403, 404, 429, 500, 503, 504}) {
    check_openai_error(gemini::map_error(status, bytes, bytes.substr(0, 16)).response,
                       "a mapped error");
  }
  (void)gemini::map_finish_reason(bytes, bytes.size() % 2 == 0);
}

// As GeminiStream::on_data and the end of a streamed call in gemini_provider.cpp.
void translate_stream(std::string_view bytes) {
  tollgate::routing::providers::SseParser parser;
  std::vector<tollgate::core::Chunk> events;
  bool include_usage = tollgate::fuzz::hash_bytes(bytes) & 1;
  gemini::StreamTranslator translator(answer_context(), include_usage);
  std::vector<std::string> sent;
  auto stopped = [&] { return translator.error() || !translator.blocked().empty(); };
  for (std::string_view read :
       tollgate::fuzz::cut_into_pieces(bytes, tollgate::fuzz::hash_bytes(bytes), 256)) {
    events.clear();
    parser.feed(read, events);
    for (const auto& event : events) {
      if (event.data.empty() || event.is_done() || stopped()) continue;
      std::vector<std::string> chunks;
      translator.on_event(event.data, chunks);
      sent.insert(sent.end(), chunks.begin(), chunks.end());
    }
  }
  if (translator.error()) {
    check_openai_error(translator.error()->response, "a stream error");
  } else if (!translator.blocked().empty() && sent.empty()) {
    check_openai_error(gemini::blocked_prompt_response(translator.blocked()), "a blocked prompt");
  } else {
    translator.finish(sent);
  }
  tollgate::fuzz::check_chunk_stream(sent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  translate_requests(bytes);
  translate_answers(bytes);
  translate_stream(bytes);
  return 0;
}
