// Reading one request from a client connection: its head, then (when the handler asks)
// its body, the watch for a client hanging up, the answers to what cannot be read, and
// the lingering close after them. Beast-heavy: included by session.cpp only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/core/anthropic_errors.h"
#include "gateway/core/errors.h"
#include "gateway/core/exchange.h"
#include "gateway/core/http_handler.h"
#include "gateway/core/random_hex.h"
#include "gateway/http/message_parser.h"
#include "gateway/ingress/anthropic_ingress.h"
#include "gateway/server/client_sink.h"
#include "gateway/server/worker.h"

namespace tollgate::gateway::server {

namespace request_reading_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
inline constexpr std::size_t kHeaderLimit = 64 * 1024;
// The most a connection's read buffer holds. Beast takes body bytes as they arrive, so
// past the head only a line still waiting for its end stays in it: a chunk's size line
// with its extensions, or the trailer section. Without a bound, `41;` and hundreds of MB
// of extension bytes were all held (a 384 MB one grew the process to 571 MB). Above the
// head's limit, so that one still answers with its own error.
inline constexpr std::size_t kReadBufferLimit = kHeaderLimit + 8 * 1024;
inline constexpr std::size_t kFirstReadBytes = 2048;
// After an error answer, how long and how much of what the client still sends is read
// and thrown away (see linger()).
inline constexpr auto kLingerTime = std::chrono::seconds(2);
inline constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kLingerReadBytes = 16 * 1024;

inline std::string new_request_id() {
  static constexpr std::string_view kPrefix = "req_";
  std::string id(kPrefix.size() + 32, '0');  // one allocation
  kPrefix.copy(id.data(), kPrefix.size());
  core::write_random_hex(std::span<char>(id).subspan(kPrefix.size()));
  return id;
}

// A client's id is kept when it is a sane token; anything else is replaced, so a log
// line or upstream header can't be forged through it.
inline std::string request_id_from(std::string_view given) {
  if (given.empty() || given.size() > 128) return new_request_id();
  for (char c : given) {
    if (c <= 0x20 || c >= 0x7f) return new_request_id();
  }
  return std::string(given);
}

// Watches for the client hanging up while the handler runs, and fires the exchange's
// client_gone signal so the upstream request is cancelled at once. Only `state` is
// touched after the request ends, so the watch can outlive the exchange safely.
struct ClientWatchState {
  bool finished = false;
  core::AbortSignal* signal = nullptr;
  char probe = 0;
};

// A peeking receive rather than async_wait(wait_read): Asio tries a receive at once and
// then waits on the registration it already has, where a wait is never tried at once
// and costs an epoll_ctl per request. Peeking leaves any pipelined bytes for the next
// read.
inline void watch_client(tcp::socket& socket, std::shared_ptr<ClientWatchState> state) {
  auto probe = asio::buffer(&state->probe, 1);
  socket.async_receive(probe, tcp::socket::message_peek,
                       [state](boost::system::error_code ec, std::size_t) {
                         if (state->finished) return;
                         // Bytes (the client pipelined its next request, or a TLS
                         // record): still there. End of stream or an error: gone.
                         if (ec) state->signal->abort();
                       });
}

// In the shape the client reads: Anthropic's on the Messages API's paths, OpenAI's elsewhere.
template <typename Stream>
awaitable<void> write_error(Stream& stream, core::ErrorKind kind, std::string_view message,
                            std::string_view target) {
  core::Response error = core::error_response(kind, message);
  if (ingress::is_messages_path(target.substr(0, target.find('?')))) {
    core::make_anthropic_error(error, message);
  }
  http::response<http::string_body> res{static_cast<http::status>(error.status), 11};
  for (const auto& field : error.headers) res.set(field.name, field.value);
  res.set("x-request-id", new_request_id());
  res.body() = std::move(error.body);
  res.keep_alive(false);
  res.prepare_payload();
  co_await http::async_write(stream, res, tuple_awaitable);
}

inline core::ErrorKind error_for_read(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return core::ErrorKind::request_too_large;
  if (ec == http::error::header_limit) return core::ErrorKind::request_too_large;
  return core::ErrorKind::invalid_request;
}

// What a malformed request is told: the parser's own reason when one of its checks
// refused it, Beast's otherwise.
inline std::string read_error_message(const beast::error_code& ec, const RequestParser& parser) {
  std::string message = "malformed HTTP request: ";
  if (!parser.refusal.empty()) {
    message += parser.refusal;
  } else if (ec == http::error::buffer_overflow) {
    message += "a chunk size line or the trailer section is longer than " +
               std::to_string(kReadBufferLimit) + " bytes";
  } else {
    message += ec.message();
  }
  return message;
}

// Answers a request that could not be read, when the client can still be told why.
// Returns whether it answered.
template <typename Stream>
awaitable<bool> answer_read_error(Stream& stream, const beast::error_code& ec,
                                  const RequestParser& parser, const core::ServerConfig& server) {
  if (ec == http::error::body_limit) {
    // From Content-Length, before a byte of the body is read, or while reading it.
    std::string message =
        "the request body is larger than " + std::to_string(server.max_body_bytes) + " bytes";
    co_await write_error(stream, core::ErrorKind::request_too_large, message, parser.target);
    co_return true;
  }
  if (is_http_parse_error(ec)) {
    co_await write_error(stream, error_for_read(ec), read_error_message(ec, parser), parser.target);
    co_return true;
  }
  co_return false;
}

// A lingering close, as nginx's: after an error answer the client may still be sending
// (a body over the limit, an endless chunk extension). Closed now, the connection would
// be reset while the client writes, and a client that meets the reset on a write drops
// the answer it had not read yet (without this, a Node client sending an endless chunk
// extension missed its 400 in one run of three). So the end of the answer is marked
// (FIN on plain TCP) and what still arrives is read and thrown away, for at most
// kLingerTime and kLingerBytes; it is never kept (the same few kilobytes are reused).
template <typename Stream>
awaitable<void> linger(Stream& stream, beast::flat_buffer& buffer, SessionEntry& entry) {
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    boost::system::error_code ignored;
    stream.shutdown(tcp::socket::shutdown_send, ignored);
  }
  auto until = std::chrono::steady_clock::now() + kLingerTime;
  entry.deadline.arm(kLingerTime);  // a client that neither sends nor closes
  buffer.consume(buffer.size());
  std::size_t thrown_away = 0;
  // The time is checked here too: the sweep only cancels a read that waits, and a client
  // that keeps sending never leaves one waiting.
  while (thrown_away < kLingerBytes && std::chrono::steady_clock::now() < until) {
    auto [ec, n] =
        co_await stream.async_read_some(buffer.prepare(kLingerReadBytes), tuple_awaitable);
    if (ec) break;
    thrown_away += n;
  }
  entry.deadline.disarm();
}

// Reads one request's head into `parser`. Returns false when the connection must close
// (after answering a malformed or oversized head).
template <typename Stream>
awaitable<bool> read_head(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                          SessionEntry& entry, const core::ServerConfig& server) {
  parser.header_limit(kHeaderLimit);
  parser.body_limit(server.max_body_bytes);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
  if (!ec) co_return true;
  if (co_await answer_read_error(stream, ec, parser, server))
    co_await linger(stream, buffer, entry);
  co_return false;
}

// What a body that could not be read is answered with (status 0: the client is gone).
inline core::Response body_read_refusal(const beast::error_code& ec, const RequestParser& parser,
                                        const core::ServerConfig& server) {
  if (ec == http::error::body_limit) {
    return core::error_response(
        core::ErrorKind::request_too_large,
        "the request body is larger than " + std::to_string(server.max_body_bytes) + " bytes");
  }
  if (is_http_parse_error(ec)) {
    return core::error_response(error_for_read(ec), read_error_message(ec, parser));
  }
  return core::Response{0, {}, {}};
}

// The body of the request being served, read when the handler asks (after its head-phase
// stages let the request go on): the interim answer to Expect: 100-continue, then the
// body. Then, when the handler wants it, the watch for the client hanging up starts (not
// before: the watch reads the socket, and so does the body).
template <typename Stream>
class SessionBody final : public core::RequestBody, private SweepTask {
 public:
  SessionBody(Stream& stream, beast::flat_buffer& buffer, std::unique_ptr<RequestParser> parser,
              SessionEntry& entry, const core::ServerConfig& server, core::HttpHandler& handler,
              ClientSink<Stream>& sink)
      : stream_(stream),
        buffer_(buffer),
        parser_(std::move(parser)),
        entry_(entry),
        server_(server),
        handler_(handler),
        sink_(sink),
        pending_(!parser_->is_done()) {}
  ~SessionBody() { cancel_pending_watch(); }
  SessionBody(const SessionBody&) = delete;
  SessionBody& operator=(const SessionBody&) = delete;

  awaitable<bool> read(core::Exchange& exchange, core::Response& refusal) override {
    if (parser_ == nullptr) co_return !failed_;  // read already
    if (!pending_) {
      take_body(exchange);
      co_return true;
    }
    // HTTP/1.0 has no interim answers: its expectation is ignored (RFC 9110 §10.1.1).
    if (parser_->http_version >= 11 &&
        core::iequals(exchange.request_headers.get("expect"), "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      co_await http::async_write(stream_, cont, tuple_awaitable);
    }
    // The body may be large or slow; give it the idle allowance rather than the header's.
    entry_.deadline.arm(server_.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream_, buffer_, *parser_, tuple_awaitable);
    entry_.deadline.disarm();
    if (ec) {
      failed_ = true;
      refusal = body_read_refusal(ec, *parser_, server_);
      answered_ = refusal.status != 0;
      parser_.reset();
      co_return false;
    }
    pending_ = false;
    sink_.body_pending(false);
    take_body(exchange);
    co_return true;
  }

  // True when the body (or part of it) is still on its way: the client must not be kept.
  bool unread() const { return pending_ || failed_; }
  // True when the body could not be read and there is no one to tell.
  bool client_gone() const { return failed_ && !answered_; }
  // Stops the watch for a hang-up, if one runs.
  void stop_watch() {
    cancel_pending_watch();
    if (!watch_) return;
    watch_->finished = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).cancel(ignored);
  }
  void abandon_watch() {
    cancel_pending_watch();
    if (watch_) watch_->finished = true;
  }

 private:
  // The body to the exchange; then nothing of the reading is kept while the request is
  // served, since a stream may run for minutes: the parser goes, and so does the read
  // buffer's block unless the client pipelined its next request into it (2 KB and more a
  // stream: 10,000 streams waiting for their providers add up). The allocator hands the
  // block to the upstream read that comes next.
  void take_body(core::Exchange& exchange) {
    exchange.body = std::move(parser_->body);
    parser_.reset();
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    start_watch(exchange);
  }

  // Left to the worker's next sweep (SessionEntry::watch_pending says why).
  void start_watch(core::Exchange& exchange) {
    if (!handler_.watches_client(exchange)) return;
    watched_ = &exchange.client_gone;
    entry_.watch_pending = this;
  }

  void on_sweep() override {
    watch_ = std::make_shared<ClientWatchState>();
    watch_->signal = watched_;
    watch_client(beast::get_lowest_layer(stream_), watch_);
  }

  void cancel_pending_watch() {
    if (entry_.watch_pending == this) entry_.watch_pending = nullptr;
  }

  Stream& stream_;
  beast::flat_buffer& buffer_;
  std::unique_ptr<RequestParser> parser_;
  SessionEntry& entry_;
  const core::ServerConfig& server_;
  core::HttpHandler& handler_;
  ClientSink<Stream>& sink_;
  bool pending_;
  bool failed_ = false;
  bool answered_ = false;
  core::AbortSignal* watched_ = nullptr;
  std::shared_ptr<ClientWatchState> watch_;
};

}  // namespace request_reading_detail

}  // namespace tollgate::gateway::server
