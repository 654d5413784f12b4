// The mock provider's OpenAI Responses API (platform.openai.com/docs/api-reference/responses):
//   POST /v1/responses   a Response object, or with "stream": true its event stream as
//   OpenAI sends it (event: response.created, response.in_progress,
//   response.output_item.added, response.content_part.added, response.output_text.delta...,
//   response.output_text.done, response.content_part.done, response.output_item.done, then
//   response.completed with the usage; no [DONE]). This is what the Vercel AI SDK's
//   default `openai(model)` calls. Steered by the usual x-mock-* headers (chunks, chunk
//   delay, completion tokens, drop after chunks) plus:
//   x-mock-responses-end: completed | incomplete | failed   (the last event; usage in each)
//   x-mock-cached-tokens: N      (usage.input_tokens_details.cached_tokens)
//   x-mock-reasoning-tokens: N   (usage.output_tokens_details.reasoning_tokens, counted in
//                                 output_tokens as OpenAI does)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "loadtest/mock_provider/mock_azure.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

bool is_responses_path(std::string_view path);

// GET and DELETE /v1/responses/{id}, POST .../cancel, GET .../input_items: answered for
// ids this mock made (they start with "resp_m<pid>_"), 404 in OpenAI's shape for others.
struct ResponseItem {
  std::string id;
  std::string sub;  // "", "cancel" or "input_items"
};
std::optional<ResponseItem> response_item_path(std::string_view path);
// `stream`: GET with ?stream=true, the stored response as response.created and
// response.completed events.
DialectReply response_item_reply(std::string_view method, const ResponseItem& item, bool stream);

struct ResponsesSteering {
  std::string end = "completed";  // x-mock-responses-end
  long long cached_tokens = 0;
  long long reasoning_tokens = 0;
};

// The answer to one /v1/responses request that passed the common checks (valid JSON, no
// x-mock-status).
DialectReply responses_reply(const RequestFacts& r, const ResponsesSteering& steering,
                             const Steering& s);

template <typename Stream>
boost::asio::awaitable<bool> answer_responses(
    Stream& stream, boost::beast::http::request<boost::beast::http::string_body>& req,
    const RequestFacts& facts, const Steering& s) {
  ResponsesSteering steering;
  if (auto end = req["x-mock-responses-end"]; !end.empty()) steering.end = std::string(end);
  try {
    steering.cached_tokens = std::stoll(std::string(req["x-mock-cached-tokens"]));
  } catch (const std::exception&) {
  }
  try {
    steering.reasoning_tokens = std::stoll(std::string(req["x-mock-reasoning-tokens"]));
  } catch (const std::exception&) {
  }
  DialectReply reply = responses_reply(facts, steering, s);
  co_return co_await write_dialect_reply(stream, req, reply, s);
}

}  // namespace tollgate::mock
