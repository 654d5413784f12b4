// The mock provider's Google Gemini dialect (generativelanguage.googleapis.com v1beta):
//   POST /v1beta/models/{model}:generateContent
//   POST /v1beta/models/{model}:streamGenerateContent?alt=sse   (SSE, "\r\n\r\n" framed)
//   POST /v1beta/models/{model}:batchEmbedContents
// Checks the x-goog-api-key header (or ?key=), validates the GenerateContentRequest
// strictly (unknown fields and roles are refused, as Google does), answers with
// GenerateContentResponse bodies and Google's error shape
// {"error":{"code","message","status"}}. Steered by the usual x-mock-* headers plus:
//   x-mock-finish-reason: STOP | MAX_TOKENS | SAFETY | ...   (the last candidate's)
//   x-mock-block-reason: SAFETY | ...    (no candidate; promptFeedback.blockReason)
//   x-mock-function-call: {"name":...,"args":{...}}   (answer with a functionCall part)
//   x-mock-thought-signature: S     (that functionCall carries thoughtSignature S)
//   x-mock-error-message: text      (the message of an x-mock-status error)
#pragma once

#include <string>
#include <string_view>

#include "loadtest/mock_provider/mock_azure.h"

namespace tollgate::mock {

bool is_gemini_path(std::string_view path);

struct GeminiSteering {
  std::string api_key;  // x-goog-api-key, else the key= query parameter
  std::string finish_reason;
  std::string block_reason;
  std::string function_call;
  std::string thought_signature;
  std::string error_message;
};

DialectReply gemini_reply(bool is_post, std::string_view target, const GeminiSteering& g,
                          std::string& body, const Steering& s);

// Google's error body for an HTTP status ("code", "message", "status").
std::string gemini_error(int status, std::string_view message = {});

template <typename Stream>
boost::asio::awaitable<bool> answer_gemini(
    Stream& stream, boost::beast::http::request<boost::beast::http::string_body>& req,
    const Steering& s) {
  GeminiSteering g;
  g.api_key = std::string(req["x-goog-api-key"]);
  if (g.api_key.empty()) g.api_key = std::string(query_value(req.target(), "key"));
  g.finish_reason = std::string(req["x-mock-finish-reason"]);
  g.block_reason = std::string(req["x-mock-block-reason"]);
  g.function_call = std::string(req["x-mock-function-call"]);
  g.thought_signature = std::string(req["x-mock-thought-signature"]);
  g.error_message = std::string(req["x-mock-error-message"]);
  bool is_post = req.method() == boost::beast::http::verb::post;
  DialectReply reply = gemini_reply(is_post, req.target(), g, req.body(), s);
  co_return co_await write_dialect_reply(stream, req, reply, s);
}

}  // namespace tollgate::mock
