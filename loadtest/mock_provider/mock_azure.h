// The mock provider's Azure OpenAI dialect: OpenAI's bodies at
// /openai/deployments/{deployment}/{chat/completions,completions,embeddings}?api-version=...,
// checking the `api-key` header and the api-version query like Azure (401 / 404 error
// bodies in Azure's shape). Also home of the small writer the dialect mocks share
// (DialectReply, write_dialect_reply), steered by the same x-mock-* headers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/core/content_coding.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

// What a dialect mock answers: a whole body, or a list of SSE payloads.
struct DialectReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool stream = false;
  std::vector<std::string> events;  // each written as "data: <event><separator>"
  std::string separator = "\n\n";
  // When not empty, one per event: written first as "event: <name>\n" (OpenAI's Responses).
  std::vector<std::string> event_names;
};

// Azure's addressing: true for /openai/deployments/... paths.
bool is_azure_path(std::string_view path);

// The whole answer to one Azure request. `target` is the path and query as received;
// `api_key` the api-key header (empty when absent); `x_content_filter` the value of
// x-mock-content-filter ("prompt": a 400 content_filter error, "completion": a
// completion cut with finish_reason content_filter).
DialectReply azure_reply(std::string_view target, std::string_view api_key,
                         std::string_view x_content_filter, std::string& body, const Steering& s);

// Value of `name` in a query string ("a=1&b=2"), without decoding; "" when absent.
std::string_view query_value(std::string_view target, std::string_view name);

template <typename Stream>
boost::asio::awaitable<bool> write_dialect_reply(
    Stream& stream, const boost::beast::http::request<boost::beast::http::string_body>& req,
    DialectReply& reply, const Steering& s) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  if (!reply.stream) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.set("x-mock-request-id", req["x-request-id"]);
    if (s.gzip) {
      reply.body = tollgate::core::gzip_body(reply.body);
      res.set(http::field::content_encoding, "gzip");
    }
    res.body() = std::move(reply.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
    co_return !ec && req.keep_alive();
  }
  http::response<http::empty_body> res{static_cast<http::status>(reply.status), req.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.set("x-mock-request-id", req["x-request-id"]);
  res.chunked(true);
  res.keep_alive(req.keep_alive());
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, tuple_awaitable);
  if (hec) co_return false;
  asio::steady_timer timer(stream.get_executor());
  std::string event;
  for (std::size_t i = 0; i < reply.events.size(); ++i) {
    if (s.drop_after_chunks >= 0 && i == static_cast<std::size_t>(s.drop_after_chunks)) {
      beast::get_lowest_layer(stream).socket().close();
      co_return false;
    }
    if (i > 0 && s.chunk_delay_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(s.chunk_delay_ms));
      co_await timer.async_wait(tuple_awaitable);
    }
    event.clear();
    if (i < reply.event_names.size()) {
      event += "event: ";
      event += reply.event_names[i];
      event += "\n";
    }
    event += "data: ";
    event += reply.events[i];
    event += reply.separator;
    auto framed = http::make_chunk(asio::buffer(event));
    auto [ec, n] = co_await asio::async_write(stream, framed, tuple_awaitable);
    if (ec) co_return false;
  }
  auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream, last, tuple_awaitable);
  co_return !ec && req.keep_alive();
}

template <typename Stream>
boost::asio::awaitable<bool> answer_azure(
    Stream& stream, boost::beast::http::request<boost::beast::http::string_body>& req,
    const Steering& s) {
  DialectReply reply =
      azure_reply(req.target(), req["api-key"], req["x-mock-content-filter"], req.body(), s);
  co_return co_await write_dialect_reply(stream, req, reply, s);
}

}  // namespace tollgate::mock
