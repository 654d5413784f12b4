// The mock provider's uploads and audio (platform.openai.com/docs/api-reference/audio):
//   POST /v1/audio/transcriptions, /v1/audio/translations  multipart/form-data with a
//       model part: {"text":"transcribed by <model> (<N> bytes)"}
//   POST /v1/images/edits  multipart/form-data: an ImagesResponse with one b64_json image
//   POST /v1/audio/speech  JSON with a model: audio/mpeg bytes, chunked, x-mock-chunks
//       pieces of x-mock-body-bytes (default 4096) in all, x-mock-chunk-delay-ms apart; the
//       bytes hold "data: " and blank lines, so an SSE reader in between would show;
//       x-mock-drop-after-chunks: N closes the connection after N pieces.
// Every answer says the model it read in x-mock-received-model.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "loadtest/mock_provider/mock_azure.h"
#include "loadtest/mock_provider/mock_request.h"

namespace tollgate::mock {

bool is_upload_path(std::string_view path);
bool is_speech_path(std::string_view path);

// The whole answer to an upload: 400 when its multipart body has no readable model part.
DialectReply upload_reply(std::string_view path, std::string_view content_type,
                          std::string_view body);

// Piece `index` of a speech answer of `total` bytes in `pieces` pieces.
std::string speech_piece(std::size_t total, int pieces, int index);

template <typename Stream>
boost::asio::awaitable<bool> answer_speech(
    Stream& stream, const boost::beast::http::request<boost::beast::http::string_body>& req,
    const RequestFacts& facts, const Steering& s) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "audio/mpeg");
  res.set("x-mock-received-model", facts.model);
  res.chunked(true);
  res.keep_alive(req.keep_alive());
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, tuple_awaitable);
  if (hec) co_return false;
  std::size_t total = s.body_bytes > 0 ? s.body_bytes : 4096;
  asio::steady_timer timer(stream.get_executor());
  for (int i = 0; i < s.chunks; ++i) {
    if (i > 0 && s.chunk_delay_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(s.chunk_delay_ms));
      co_await timer.async_wait(tuple_awaitable);
    }
    if (s.drop_after_chunks >= 0 && i == s.drop_after_chunks) {
      boost::beast::get_lowest_layer(stream).socket().close();
      co_return false;
    }
    std::string piece = speech_piece(total, s.chunks, i);
    if (piece.empty()) continue;
    auto [ec, n] =
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(piece)), tuple_awaitable);
    if (ec) co_return false;
  }
  auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(), tuple_awaitable);
  co_return !ec && req.keep_alive();
}

}  // namespace tollgate::mock
