// One connection's life: wait for a request (idle or header timeout), read it within
// limits, hand it to the handler as an Exchange, write the answer whole or as a
// chunked event stream, and repeat while keep-alive holds and the worker is not
// draining. Plain and TLS share every line but the handshake and the shutdown.
#include "gateway/server/session.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gateway/core/content_coding.h"
#include "gateway/core/errors.h"
#include "gateway/core/exchange.h"
#include "gateway/core/http_handler.h"
#include "gateway/core/log.h"
#include "gateway/core/random_hex.h"
#include "gateway/core/request_json.h"
#include "gateway/http/message_parser.h"
#include "gateway/server/worker.h"

namespace tollgate::gateway::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 * 1024;
// The most a connection's read buffer holds. Beast takes body bytes as they arrive, so
// past the head only a line still waiting for its end stays in it: a chunk's size line
// with its extensions, or the trailer section. Without a bound, `41;` and hundreds of MB
// of extension bytes were all held (a 384 MB one grew the process to 571 MB). Above the
// head's limit, so that one still answers with its own error.
constexpr std::size_t kReadBufferLimit = kHeaderLimit + 8 * 1024;
constexpr std::size_t kFirstReadBytes = 2048;
// After an error answer, how long and how much of what the client still sends is read
// and thrown away (see linger()).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::size_t kLingerReadBytes = 16 * 1024;
constexpr std::size_t kGzipMinBytes = 1024;  // smaller bodies are not worth compressing

std::string new_request_id() {
  static constexpr std::string_view kPrefix = "req_";
  std::string id(kPrefix.size() + 32, '0');  // one allocation
  kPrefix.copy(id.data(), kPrefix.size());
  core::write_random_hex(std::span<char>(id).subspan(kPrefix.size()));
  return id;
}

// A client's id is kept when it is a sane token; anything else is replaced, so a log
// line or upstream header can't be forged through it.
std::string request_id_from(std::string_view given) {
  if (given.empty() || given.size() > 128) return new_request_id();
  for (char c : given) {
    if (c <= 0x20 || c >= 0x7f) return new_request_id();
  }
  return std::string(given);
}

// A head's fields while it is being written: views into the answer, the exchange and
// literals. Built and consumed without a suspension between, so one list per thread
// serves every sink (it is not carried on each connection's coroutine frame).
struct FieldView {
  std::string_view name;
  std::string_view value;
};
thread_local std::vector<FieldView> head_fields;

// Framing fields the sink writes itself: never copied from a provider's answer.
constexpr std::string_view kFramingFields[] = {"content-length", "transfer-encoding", "connection",
                                               "keep-alive", "upgrade"};

// Writes a chunk's size line ("1a3\r\n") at `out`, which has room for 18 bytes; returns
// its length. By hand: snprintf's format parsing showed in profiles of streams.
std::size_t write_chunk_size_line(char* out, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t digits = 1;
  while (digits < 16 && (size >> (4 * digits)) != 0) ++digits;
  for (std::size_t i = 0; i < digits; ++i) out[digits - 1 - i] = kHex[(size >> (4 * i)) & 15];
  out[digits] = '\r';
  out[digits + 1] = '\n';
  return digits + 2;
}

// Arms the session's deadline for one write, and disarms it whatever happens.
class WriteDeadline {
 public:
  WriteDeadline(SessionEntry& session, core::Duration timeout) : session_(session) {
    session_.deadline.arm(timeout);
  }
  ~WriteDeadline() { session_.deadline.disarm(); }
  WriteDeadline(const WriteDeadline&) = delete;
  WriteDeadline& operator=(const WriteDeadline&) = delete;

 private:
  SessionEntry& session_;
};

// Writes answers to the client. Heads are written by hand into one reused string, not
// through Beast's field list and serializer: that saved a third of the CPU per request
// (loadtest/results/). Adds x-request-id and the exchange's response headers to every
// answer; fields the framing owns are never copied from a provider's answer.
// An HTTP/1.0 client knows no chunked framing (RFC 9112 §6.1 forbids sending it one): its
// streams are close-delimited, the events as they are and the connection closed after.
template <typename Stream>
class ClientSink final : public core::ResponseSink {
 public:
  ClientSink(Stream& stream, SessionEntry& session, core::ConnectionObserver& observer,
             core::Exchange& exchange, bool keep_alive, bool http10, core::Duration write_timeout)
      : stream_(stream),
        session_(session),
        observer_(observer),
        exchange_(exchange),
        keep_alive_(keep_alive),
        http10_(http10),
        write_timeout_(write_timeout) {}

  // Whether the request's body is still unread (or could not be read): an answer then
  // ends the connection, which cannot take another request after an unread body.
  void body_pending(bool pending) { body_pending_ = pending; }

  awaitable<void> send(core::Response& response) override {
    bool gzip = response.body.size() >= kGzipMinBytes &&
                !response.headers.has("content-encoding") &&
                core::accepts_gzip(exchange_.request_headers.get("accept-encoding"));
    if (gzip) response.body = core::gzip_body(response.body);
    start_head(response.status);
    if (!response.headers.has("content-type")) add_field("content-type", "application/json");
    add_fields(response.headers);
    if (gzip) {
      add_field("content-encoding", "gzip");
      add_field("vary", "accept-encoding");
    }
    finish_head(response.body.size());
    mark_committed(response.status);
    WriteDeadline armed(session_, write_timeout_);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(response.body)};
    co_await asio::async_write(stream_, buffers, asio::use_awaitable);
    finished_ = true;
  }

  awaitable<void> begin_stream(int status, const core::Headers& headers) override {
    if (http10_) keep_alive_ = false;  // the end of the connection ends the stream
    start_head(status);
    add_field("content-type", "text/event-stream; charset=utf-8");
    add_field("cache-control", "no-cache");
    add_field("x-accel-buffering", "no");
    add_fields(headers);
    finish_head(std::nullopt);
    mark_committed(status);
    streaming_ = true;
    observer_.stream_opened();
    WriteDeadline armed(session_, write_timeout_);
    co_await asio::async_write(stream_, asio::buffer(head_), asio::use_awaitable);
    // Not kept for the minutes a stream may run: the head, and the header lists that only
    // went into heads and into upstream requests (a committed answer is never retried).
    std::string().swap(head_);
    exchange_.request_headers.release();
    exchange_.response_headers.release();
  }

  awaitable<void> send_chunk(core::Chunk& chunk) override {
    WriteDeadline armed(session_, write_timeout_);
    std::string_view data = chunk.data;
    if (chunk.event.empty() && data.find('\n') == std::string_view::npos) {
      // The usual event, one data line: size line and prefix, the data as it is, the
      // end; one gathered write and no copy of the event.
      static constexpr std::string_view kPrefix = "data: ";
      static constexpr std::string_view kEnd = "\n\n\r\n";  // the event's blank line, then CRLF
      std::array<char, 32> start{};
      std::size_t chunk_size = kPrefix.size() + data.size() + 2;  // up to the CRLF
      std::size_t n = http10_ ? 0 : write_chunk_size_line(start.data(), chunk_size);
      std::memcpy(start.data() + n, kPrefix.data(), kPrefix.size());
      std::string_view end = http10_ ? kEnd.substr(0, 2) : kEnd;
      std::array<asio::const_buffer, 3> buffers{asio::buffer(start.data(), n + kPrefix.size()),
                                                asio::buffer(data), asio::buffer(end)};
      co_await asio::async_write(stream_, buffers, asio::use_awaitable);
      co_return;
    }
    // One HTTP chunk per event: size line, the event, CRLF; one write. Built here rather
    // than kept on the sink, so an open stream holds no event buffer between events.
    std::string event(20, ' ');
    if (!chunk.event.empty()) {
      event += "event: ";
      event += chunk.event;
      event += '\n';
    }
    // Multi-line data becomes several data: lines, as the SSE format requires.
    for (;;) {
      std::size_t eol = data.find('\n');
      event += "data: ";
      event.append(data.substr(0, eol));
      event += '\n';
      if (eol == std::string_view::npos) break;
      data.remove_prefix(eol + 1);
    }
    event += "\n\r\n";
    std::size_t start = 20;
    std::size_t end = event.size();
    if (http10_) {
      end -= 2;  // no chunk: the event alone
    } else {
      // The size line goes right before the event, in the room left at the front.
      char size_line[20];
      std::size_t n = write_chunk_size_line(size_line, event.size() - 20 - 2);
      start = 20 - n;
      event.replace(start, n, size_line, n);
    }
    co_await asio::async_write(stream_, asio::buffer(event.data() + start, end - start),
                               asio::use_awaitable);
  }

  awaitable<void> end_stream() override {
    if (!http10_) {
      WriteDeadline armed(session_, write_timeout_);
      static constexpr std::string_view kLastChunk = "0\r\n\r\n";
      co_await asio::async_write(stream_, asio::buffer(kLastChunk), asio::use_awaitable);
    }
    finished_ = true;
  }

  bool committed() const override { return committed_; }
  bool finished() const { return finished_; }
  // Whether the connection may take another request after this answer.
  bool keeps_alive() const { return keep_alive_; }

  ClientSink(const ClientSink&) = delete;
  ClientSink& operator=(const ClientSink&) = delete;
  ~ClientSink() override {
    if (streaming_) observer_.stream_closed();
  }

 private:
  void start_head(int status) {
    head_.clear();
    head_.reserve(512);  // a typical head with the rate-limit fields: one allocation, not four
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(status);
    head_ += ' ';
    head_ += http::obsolete_reason(static_cast<http::status>(status));
    head_ += "\r\n";
    head_fields.clear();
  }

  // The head's fields are views into the answer, the exchange and literals, all alive
  // until finish_head writes them: no copies. A field of ours replaces any earlier one
  // of the same name; a provider's fields replace ours but keep their own repeats
  // (set-cookie and the like).
  void add_field(std::string_view name, std::string_view value) {
    erase_named(name, head_fields.size());
    head_fields.push_back({name, value});
  }
  void add_fields(const core::Headers& fields) {
    std::size_t ours = head_fields.size();
    for (const auto& field : fields) {
      erase_named(field.name, ours);
      head_fields.push_back({field.name, field.value});
    }
  }
  void erase_named(std::string_view name, std::size_t before) {
    for (std::size_t i = 0; i < before; ++i) {
      if (core::iequals(head_fields[i].name, name)) head_fields[i].name = {};
    }
  }

  // With a length, a whole answer; without, a stream: chunked, or for HTTP/1.0 delimited
  // by the end of the connection.
  void finish_head(std::optional<std::size_t> content_length) {
    add_field("x-request-id", exchange_.request_id);
    for (const auto& field : exchange_.response_headers) add_field(field.name, field.value);
    // An erased field (replaced by a later one) has an empty name and is skipped.
    for (const auto& field : head_fields) {
      core::append_field(head_, field.name, field.value, kFramingFields);
    }
    head_fields.clear();  // its views point into the answer, which the caller may now drop
    if (content_length) {
      head_ += "content-length: ";
      head_ += std::to_string(*content_length);
      head_ += "\r\n";
    } else if (!http10_) {
      head_ += "transfer-encoding: chunked\r\n";
    }
    if (body_pending_) keep_alive_ = false;
    // HTTP/1.0 keeps a connection only when the answer says so (RFC 9112 §9.3).
    if (!keep_alive_) {
      head_ += "connection: close\r\n";
    } else if (http10_) {
      head_ += "connection: keep-alive\r\n";
    }
    head_ += "\r\n";
  }

  void mark_committed(int status) {
    committed_ = true;
    exchange_.status = status;
    exchange_.first_byte = core::Exchange::Clock::now();
  }

  Stream& stream_;
  SessionEntry& session_;
  core::ConnectionObserver& observer_;
  core::Exchange& exchange_;
  bool keep_alive_;
  bool http10_;
  bool body_pending_ = false;
  core::Duration write_timeout_;
  bool committed_ = false;
  bool finished_ = false;
  bool streaming_ = false;
  std::string head_;
};

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
void watch_client(tcp::socket& socket, std::shared_ptr<ClientWatchState> state) {
  auto probe = asio::buffer(&state->probe, 1);
  socket.async_receive(probe, tcp::socket::message_peek,
                       [state](boost::system::error_code ec, std::size_t) {
                         if (state->finished) return;
                         // Bytes (the client pipelined its next request, or a TLS
                         // record): still there. End of stream or an error: gone.
                         if (ec) state->signal->abort();
                       });
}

template <typename Stream>
awaitable<void> write_error(Stream& stream, core::ErrorKind kind, std::string_view message) {
  core::Response error = core::error_response(kind, message);
  http::response<http::string_body> res{static_cast<http::status>(error.status), 11};
  for (const auto& field : error.headers) res.set(field.name, field.value);
  res.set("x-request-id", new_request_id());
  res.body() = std::move(error.body);
  res.keep_alive(false);
  res.prepare_payload();
  co_await http::async_write(stream, res, tuple_awaitable);
}

core::ErrorKind error_for_read(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return core::ErrorKind::request_too_large;
  if (ec == http::error::header_limit) return core::ErrorKind::request_too_large;
  return core::ErrorKind::invalid_request;
}

// What a malformed request is told: the parser's own reason when one of its checks
// refused it, Beast's otherwise.
std::string read_error_message(const beast::error_code& ec, const RequestParser& parser) {
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
    co_await write_error(stream, core::ErrorKind::request_too_large, message);
    co_return true;
  }
  if (is_http_parse_error(ec)) {
    co_await write_error(stream, error_for_read(ec), read_error_message(ec, parser));
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
core::Response body_read_refusal(const beast::error_code& ec, const RequestParser& parser,
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
class SessionBody final : public core::RequestBody {
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

  awaitable<bool> read(core::Exchange& exchange, core::Response& refusal) override {
    if (parser_ == nullptr) co_return !failed_;  // read already
    if (!pending_) {
      exchange.body = std::move(parser_->body);
      parser_.reset();
      start_watch(exchange);
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
    exchange.body = std::move(parser_->body);
    // The parser (and its buffers) is not kept while the request is served: a stream may
    // run for minutes.
    parser_.reset();
    start_watch(exchange);
    co_return true;
  }

  // True when the body (or part of it) is still on its way: the client must not be kept.
  bool unread() const { return pending_ || failed_; }
  // True when the body could not be read and there is no one to tell.
  bool client_gone() const { return failed_ && !answered_; }
  // Stops the watch for a hang-up, if one runs.
  void stop_watch() {
    if (!watch_) return;
    watch_->finished = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).cancel(ignored);
  }
  void abandon_watch() {
    if (watch_) watch_->finished = true;
  }

 private:
  void start_watch(core::Exchange& exchange) {
    if (!handler_.watches_client(exchange)) return;
    watch_ = std::make_shared<ClientWatchState>();
    watch_->signal = &exchange.client_gone;
    watch_client(beast::get_lowest_layer(stream_), watch_);
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
  std::shared_ptr<ClientWatchState> watch_;
};

template <typename Stream>
awaitable<void> serve(Stream& stream, core::HttpHandler& handler, Worker& worker,
                      std::list<SessionEntry>::iterator entry, std::string peer) {
  const core::ServerConfig& server = worker.server_config();
  beast::flat_buffer buffer(kReadBufferLimit);
  bool first = true;
  for (;;) {
    // Between requests the connection is idle and may be closed to drain.
    if (buffer.size() == 0) {
      entry->idle = true;
      if (worker.draining()) co_return;
      entry->deadline.arm(first ? server.header_timeout : server.idle_timeout);
      // Room for a typical request in one read; larger ones make the buffer grow.
      auto [ec, n] =
          co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), tuple_awaitable);
      if (ec) co_return;  // closed, idle timeout, or drained
      buffer.commit(n);
      if (!first) entry->deadline.arm(server.header_timeout);
    } else {
      entry->deadline.arm(server.header_timeout);
    }
    entry->idle = false;

    // On the heap, not on this coroutine's frame, and freed once the body is read: a
    // stream may hold the frame for minutes.
    auto parser = std::make_unique<RequestParser>(core::kJsonPadding);
    if (!co_await read_head(stream, buffer, *parser, *entry, server)) co_return;
    // While the request is served nothing is read from the client but its body (the
    // watch only waits for a hang-up); each answer write arms its own deadline.
    entry->deadline.disarm();

    core::Exchange exchange;
    exchange.config = handler.config();
    exchange.client_address = peer;
    exchange.method = std::move(parser->method);
    exchange.target = std::move(parser->target);
    std::string_view target = exchange.target;
    exchange.path = std::string(target.substr(0, target.find('?')));
    exchange.request_headers = std::move(parser->headers);
    exchange.request_id = request_id_from(exchange.request_headers.get("x-request-id"));

    bool keep_alive = parser->keep_alive() && !worker.draining();
    bool http10 = parser->http_version < 11;
    ClientSink<Stream> sink(stream, *entry, worker.observer(), exchange, keep_alive, http10,
                            server.idle_timeout);
    SessionBody<Stream> body(stream, buffer, std::move(parser), *entry, server, handler, sink);
    // Until the handler reads the body, an answer means the connection closes after it.
    sink.body_pending(body.unread());
    try {
      co_await handler.handle(exchange, body, sink);
    } catch (const std::exception& e) {
      body.abandon_watch();
      if (!exchange.client_gone.aborted()) {
        core::log_warn("request " + exchange.request_id + " ended early: " + e.what());
      }
      co_return;  // the client connection is unusable (write failed or client gone)
    }
    body.stop_watch();
    if (body.client_gone()) co_return;  // the body never came whole, and nobody is listening
    if (!sink.committed()) {
      core::Response internal =
          core::error_response(core::ErrorKind::internal, "no answer was produced");
      co_await sink.send(internal);
    }
    if (body.unread()) {
      // Answered before (or instead of) reading the body: what the client still sends is
      // read and thrown away for a moment, so that it sees the answer (see linger()).
      co_await linger(stream, buffer, *entry);
      co_return;
    }
    if (!sink.keeps_alive() || !sink.finished()) co_return;
    first = false;
  }
}

template <typename Stream>
awaitable<void> shutdown(Stream& stream, SessionEntry& session) {
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    boost::system::error_code ec;
    stream.shutdown(tcp::socket::shutdown_send, ec);
  } else {
    session.deadline.arm(std::chrono::seconds(2));
    co_await stream.async_shutdown(tuple_awaitable);
  }
  co_return;
}

template <typename Stream>
awaitable<void> run_session(Stream stream, core::HttpHandler& handler, Worker& worker,
                            std::string peer, bool handshake) {
  auto entry = worker.add_session({true, nullptr, {}});
  worker.observer().connection_opened();
  entry->close = [&stream] {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).cancel(ignored);
  };
  try {
    bool ready = true;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      if (handshake) {
        entry->deadline.arm(worker.server_config().header_timeout);
        auto [ec] =
            co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
        entry->deadline.disarm();
        ready = !ec;
      }
    }
    if (ready) {
      co_await serve(stream, handler, worker, entry, peer);
      co_await shutdown(stream, *entry);
    }
  } catch (const std::exception& e) {
    core::log_warn("connection from " + peer + " ended: " + e.what());
  }
  worker.remove_session(entry);
  worker.observer().connection_closed();
}

}  // namespace

void start_session(tcp::socket socket, asio::ssl::context* tls, core::HttpHandler& handler,
                   Worker& worker) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? "unknown" : remote.address().to_string();
  auto executor = socket.get_executor();
  if (tls == nullptr) {
    asio::co_spawn(executor,
                   run_session(std::move(socket), handler, worker, std::move(peer), false),
                   asio::detached);
  } else {
    asio::co_spawn(executor,
                   run_session(asio::ssl::stream<tcp::socket>(std::move(socket), *tls), handler,
                               worker, std::move(peer), true),
                   asio::detached);
  }
}

}  // namespace tollgate::gateway::server
