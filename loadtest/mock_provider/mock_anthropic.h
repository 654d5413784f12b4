// The mock provider's Anthropic dialect (Messages API, docs.anthropic.com/en/api/messages):
//   POST /v1/messages   headers x-api-key and anthropic-version required
// Validates the request like Anthropic (required model, max_tokens and messages; roles
// user/assistant only; block types and image sources; tools, tool_choice, output_config;
// unknown fields refused) and, stricter than Anthropic, refuses consecutive turns of one
// role and a tool_use not answered by a tool_result in the next user turn, so that the
// gateway's merging is tested. Answers with a Message, or with Anthropic's event stream
// (event: message_start, ping, content_block_start/delta/stop, message_delta,
// message_stop), and Anthropic's error body {"type":"error","error":{"type","message"}}.
// Steered by the usual x-mock-* headers (latency, status, hang, chunks, chunk delay,
// completion tokens, drop after chunks, answer) plus:
//   x-mock-stop-reason: end_turn | max_tokens | stop_sequence | refusal | ...
//   x-mock-tool-use: {"name":...,"input":{...}} or an array of them (tool_use blocks)
//   x-mock-stream-error: overloaded_error | api_error | ...  (an error event in the stream)
//   x-mock-stream-error-after: N   (after N text deltas; default 0: right after message_start)
//   x-mock-error-message: text     (the message of an x-mock-status or stream error)
//   x-mock-cache-read-tokens: N    (usage.cache_read_input_tokens)
//   x-mock-thinking, x-mock-redacted-thinking, x-mock-web-search: blocks before the text
//                                  (mock_anthropic_blocks.h)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "loadtest/mock_provider/mock_anthropic_blocks.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

//   POST /v1/messages/count_tokens   {"input_tokens": words of the messages + 3}; a body
//   with max_tokens is refused, as Anthropic does
inline constexpr std::string_view kCountTokensPath = "/v1/messages/count_tokens";
bool is_anthropic_path(std::string_view path);

struct AnthropicSteering {
  std::string api_key;         // x-api-key
  std::string version;         // anthropic-version
  std::string stop_reason;     // x-mock-stop-reason
  std::string tool_use;        // x-mock-tool-use
  std::string stream_error;    // x-mock-stream-error
  int stream_error_after = 0;  // x-mock-stream-error-after
  std::string error_message;   // x-mock-error-message
  long long cache_read_tokens = 0;
  LeadingSteering leading;  // x-mock-thinking, x-mock-redacted-thinking, x-mock-web-search
};

struct AnthropicEvent {
  std::string type;  // the SSE event name
  std::string data;  // its JSON
};

struct AnthropicReply {
  int status = 200;
  std::string body;  // whole answers and errors
  bool stream = false;
  std::vector<AnthropicEvent> events;
  bool retry_after = false;  // 429 and 529 say retry-after: 1
};

AnthropicReply anthropic_reply(bool is_post, bool count_tokens, const AnthropicSteering& a,
                               std::string& body, const Steering& s);

// Anthropic's error body for an HTTP status ("type":"error", error.type from the status).
std::string anthropic_error(int status, std::string_view message = {});

template <typename Stream>
boost::asio::awaitable<bool> answer_anthropic(
    Stream& stream, boost::beast::http::request<boost::beast::http::string_body>& req,
    const Steering& s) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  AnthropicSteering a;
  a.api_key = std::string(req["x-api-key"]);
  a.version = std::string(req["anthropic-version"]);
  a.stop_reason = std::string(req["x-mock-stop-reason"]);
  a.tool_use = std::string(req["x-mock-tool-use"]);
  a.stream_error = std::string(req["x-mock-stream-error"]);
  a.error_message = std::string(req["x-mock-error-message"]);
  a.leading.thinking = std::string(req["x-mock-thinking"]);
  a.leading.redacted_thinking = std::string(req["x-mock-redacted-thinking"]);
  a.leading.web_search = std::string(req["x-mock-web-search"]);
  try {
    a.stream_error_after = std::stoi(std::string(req["x-mock-stream-error-after"]));
  } catch (const std::exception&) {
  }
  try {
    a.cache_read_tokens = std::stoll(std::string(req["x-mock-cache-read-tokens"]));
  } catch (const std::exception&) {
  }
  std::string_view path = req.target();
  bool count_tokens = path.substr(0, path.find('?')) == kCountTokensPath;
  AnthropicReply reply =
      anthropic_reply(req.method() == http::verb::post, count_tokens, a, req.body(), s);
  if (!reply.stream) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::content_type, "application/json");
    res.set("request-id", "req_mock");
    res.set("x-mock-request-id", req["x-request-id"]);
    if (reply.retry_after) res.set(http::field::retry_after, "1");
    res.body() = std::move(reply.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
    co_return !ec && req.keep_alive();
  }
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  res.set("request-id", "req_mock");
  res.set("x-mock-request-id", req["x-request-id"]);
  res.chunked(true);
  res.keep_alive(req.keep_alive());
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, tuple_awaitable);
  if (hec) co_return false;
  asio::steady_timer timer(stream.get_executor());
  std::string text;
  for (std::size_t i = 0; i < reply.events.size(); ++i) {
    if (s.drop_after_chunks >= 0 && i == static_cast<std::size_t>(s.drop_after_chunks)) {
      beast::get_lowest_layer(stream).socket().close();
      co_return false;
    }
    if (i > 0 && s.chunk_delay_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(s.chunk_delay_ms));
      co_await timer.async_wait(tuple_awaitable);
    }
    text = "event: " + reply.events[i].type + "\ndata: " + reply.events[i].data + "\n\n";
    auto framed = http::make_chunk(asio::buffer(text));
    auto [ec, n] = co_await asio::async_write(stream, framed, tuple_awaitable);
    if (ec) co_return false;
  }
  auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream, last, tuple_awaitable);
  co_return !ec && req.keep_alive();
}

}  // namespace tollgate::mock
