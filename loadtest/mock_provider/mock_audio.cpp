// Upload and speech answers for the mock provider.
#include "loadtest/mock_provider/mock_audio.h"

#include <ctime>

#include "gateway/core/multipart_model.h"
#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

bool is_upload_path(std::string_view path) {
  return path == "/v1/audio/transcriptions" || path == "/v1/audio/translations" ||
         path == "/v1/images/edits";
}

bool is_speech_path(std::string_view path) {
  return path == "/v1/audio/speech";
}

DialectReply upload_reply(std::string_view path, std::string_view content_type,
                          std::string_view body) {
  DialectReply reply;
  core::MultipartModel found = core::read_multipart_model(content_type, body);
  if (!found.ok) {
    reply.status = 400;
    reply.body = R"({"error":{"message":)";
    append_json_string(reply.body, found.error);
    reply.body += R"(,"type":"invalid_request_error","param":"model","code":null}})";
    return reply;
  }
  reply.headers.emplace_back("x-mock-received-model", found.model);
  if (path == "/v1/images/edits") {
    reply.body = R"({"created":)" + std::to_string(std::time(nullptr)) +
                 R"(,"data":[{"b64_json":"aW1hZ2U="}]})";
    return reply;
  }
  reply.body = R"({"text":)";
  append_json_string(
      reply.body, "transcribed by " + found.model + " (" + std::to_string(body.size()) + " bytes)");
  reply.body += "}";
  return reply;
}

std::string speech_piece(std::size_t total, int pieces, int index) {
  auto count = static_cast<std::size_t>(pieces);
  auto at = static_cast<std::size_t>(index);
  std::size_t per = (total + count - 1) / count;
  std::size_t begin = std::min(total, at * per);
  std::size_t end = std::min(total, begin + per);
  // Bytes that look like SSE framing where a reader would act on them, then every byte value.
  static constexpr std::string_view kTrap = "\n\ndata: [DONE]\n\n";
  std::string out;
  out.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    out.push_back(i % 256 < kTrap.size() ? kTrap[i % 256] : static_cast<char>(i % 256));
  }
  return out;
}

}  // namespace tollgate::mock
