// One connection's life: wait for a request (idle or header timeout), read it within
// limits, hand it to the handler as an Exchange, write the answer whole or as a
// chunked event stream, and repeat while keep-alive holds and the worker is not
// draining. Plain and TLS share every line but the handshake and the shutdown.
#include "gateway/server/session.h"

#include <sys/socket.h>

#include <cerrno>
#include <random>

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
#include "gateway/core/log.h"
#include "gateway/server/http_handler.h"
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
constexpr std::size_t kGzipMinBytes = 1024;  // smaller bodies are not worth compressing

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "req_";
  for (int part = 0; part < 2; ++part) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i) id.push_back(kHex[(bits >> (i * 4)) & 15]);
  }
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

// Writes answers to the client over Beast. Adds x-request-id and the exchange's
// response headers to every answer.
template <typename Stream>
class ClientSink final : public core::ResponseSink {
 public:
  ClientSink(Stream& stream, core::Exchange& exchange, bool keep_alive,
             core::Duration write_timeout)
      : stream_(stream),
        exchange_(exchange),
        keep_alive_(keep_alive),
        write_timeout_(write_timeout) {}

  awaitable<void> send(core::Response& response) override {
    http::response<http::string_body> res{static_cast<http::status>(response.status), 11};
    if (!response.headers.has("content-type"))
      res.set(http::field::content_type, "application/json");
    for (const auto& field : response.headers) res.set(field.name, field.value);
    add_common_headers(res);
    if (response.body.size() >= kGzipMinBytes && !response.headers.has("content-encoding") &&
        core::accepts_gzip(exchange_.request_headers.get("accept-encoding"))) {
      response.body = core::gzip_body(response.body);
      res.set(http::field::content_encoding, "gzip");
      res.set(http::field::vary, "accept-encoding");
    }
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive_);
    res.prepare_payload();
    mark_committed(response.status);
    beast::get_lowest_layer(stream_).expires_after(write_timeout_);
    co_await http::async_write(stream_, res, asio::use_awaitable);
    finished_ = true;
  }

  awaitable<void> begin_stream(int status, const core::Headers& headers) override {
    http::response<http::empty_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "text/event-stream; charset=utf-8");
    res.set(http::field::cache_control, "no-cache");
    res.set("x-accel-buffering", "no");
    for (const auto& field : headers) res.set(field.name, field.value);
    add_common_headers(res);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    mark_committed(status);
    http::response_serializer<http::empty_body> serializer{res};
    beast::get_lowest_layer(stream_).expires_after(write_timeout_);
    co_await http::async_write_header(stream_, serializer, asio::use_awaitable);
  }

  awaitable<void> send_chunk(core::Chunk& chunk) override {
    event_.clear();
    if (!chunk.event.empty()) {
      event_ += "event: ";
      event_ += chunk.event;
      event_ += '\n';
    }
    // Multi-line data becomes several data: lines, as the SSE format requires.
    std::string_view data = chunk.data;
    for (;;) {
      std::size_t eol = data.find('\n');
      event_ += "data: ";
      event_.append(data.substr(0, eol));
      event_ += '\n';
      if (eol == std::string_view::npos) break;
      data.remove_prefix(eol + 1);
    }
    event_ += '\n';
    beast::get_lowest_layer(stream_).expires_after(write_timeout_);
    auto framed = http::make_chunk(asio::buffer(event_));
    co_await asio::async_write(stream_, framed, asio::use_awaitable);
  }

  awaitable<void> end_stream() override {
    beast::get_lowest_layer(stream_).expires_after(write_timeout_);
    auto last = http::make_chunk_last();
    co_await asio::async_write(stream_, last, asio::use_awaitable);
    finished_ = true;
  }

  bool committed() const override { return committed_; }
  bool finished() const { return finished_; }

 private:
  template <typename Message>
  void add_common_headers(Message& res) {
    res.set("x-request-id", exchange_.request_id);
    for (const auto& field : exchange_.response_headers) res.set(field.name, field.value);
  }

  void mark_committed(int status) {
    committed_ = true;
    exchange_.status = status;
    exchange_.first_byte = core::Exchange::Clock::now();
  }

  Stream& stream_;
  core::Exchange& exchange_;
  bool keep_alive_;
  core::Duration write_timeout_;
  bool committed_ = false;
  bool finished_ = false;
  std::string event_;
};

// Watches for the client hanging up while the handler runs, and fires the exchange's
// client_gone signal so the upstream request is cancelled at once. Only `state` is
// touched after the request ends, so the watch can outlive the exchange safely.
struct ClientWatchState {
  bool finished = false;
  core::AbortSignal* signal = nullptr;
};

void watch_client(tcp::socket& socket, std::shared_ptr<ClientWatchState> state) {
  socket.async_wait(tcp::socket::wait_read, [&socket, state](boost::system::error_code ec) {
    if (state->finished) return;
    bool gone = static_cast<bool>(ec);
    if (!gone) {
      char probe;
      ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
      // n > 0: the client pipelined its next request; it is still there.
      gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
    if (gone) state->signal->abort();
  });
}

template <typename Stream>
awaitable<void> write_error(Stream& stream, core::ErrorKind kind, std::string_view message) {
  http::response<http::string_body> res{static_cast<http::status>(core::error_info(kind).status),
                                        11};
  res.set(http::field::content_type, "application/json");
  res.set("x-request-id", new_request_id());
  res.body() = core::error_body(kind, message);
  res.keep_alive(false);
  res.prepare_payload();
  co_await http::async_write(stream, res, tuple_awaitable);
}

core::ErrorKind error_for_read(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return core::ErrorKind::request_too_large;
  if (ec == http::error::header_limit) return core::ErrorKind::request_too_large;
  return core::ErrorKind::invalid_request;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <typename Stream>
awaitable<void> serve(Stream& stream, HttpHandler& handler, Worker& worker,
                      std::list<SessionEntry>::iterator entry, std::string peer) {
  const core::ServerConfig& server = worker.server_config();
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    // Between requests the connection is idle and may be closed to drain.
    if (buffer.size() == 0) {
      entry->idle = true;
      if (worker.draining()) co_return;
      tcp.expires_after(first ? server.header_timeout : server.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), tuple_awaitable);
      if (ec) co_return;  // closed, idle timeout, or drained
      buffer.commit(n);
      if (!first) tcp.expires_after(server.header_timeout);
    } else {
      tcp.expires_after(server.header_timeout);
    }
    entry->idle = false;

    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(server.max_body_bytes);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
    if (hec) {
      if (hec == http::error::body_limit) {
        // Content-Length already says too much: refuse before reading a byte of it.
        std::string message =
            "the request body is larger than " + std::to_string(server.max_body_bytes) + " bytes";
        co_await write_error(stream, core::ErrorKind::request_too_large, message);
      } else if (is_parse_error(hec)) {
        std::string message = "malformed HTTP request: " + hec.message();
        co_await write_error(stream, error_for_read(hec), message);
      }
      co_return;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      co_await http::async_write(stream, cont, tuple_awaitable);
    }
    // The body may be large or slow; give it the idle allowance rather than the header's.
    tcp.expires_after(server.idle_timeout);
    auto [bec, bn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (bec) {
      if (bec == http::error::body_limit) {
        std::string message =
            "the request body is larger than " + std::to_string(server.max_body_bytes) + " bytes";
        co_await write_error(stream, core::ErrorKind::request_too_large, message);
      } else if (is_parse_error(bec)) {
        std::string message = "malformed HTTP request: " + bec.message();
        co_await write_error(stream, core::ErrorKind::invalid_request, message);
      }
      co_return;
    }

    auto& req = parser.get();
    core::Exchange exchange;
    exchange.config = handler.config();
    exchange.client_address = peer;
    exchange.method = std::string(req.method_string());
    exchange.target = std::string(req.target());
    std::string_view target = exchange.target;
    exchange.path = std::string(target.substr(0, target.find('?')));
    for (const auto& field : req) exchange.request_headers.add(field.name_string(), field.value());
    exchange.request_id = request_id_from(exchange.request_headers.get("x-request-id"));
    exchange.body = std::move(req.body());

    bool keep_alive = req.keep_alive() && !worker.draining();
    ClientSink<Stream> sink(stream, exchange, keep_alive, server.idle_timeout);
    std::shared_ptr<ClientWatchState> watch;
    if (handler.watches_client(exchange)) {
      watch = std::make_shared<ClientWatchState>();
      watch->signal = &exchange.client_gone;
      watch_client(tcp.socket(), watch);
    }
    try {
      co_await handler.handle(exchange, sink);
    } catch (const std::exception& e) {
      if (watch) watch->finished = true;
      if (!exchange.client_gone.aborted()) {
        core::log_warn("request " + exchange.request_id + " ended early: " + e.what());
      }
      co_return;  // the client connection is unusable (write failed or client gone)
    }
    if (watch) {
      watch->finished = true;
      boost::system::error_code ignored;
      tcp.socket().cancel(ignored);
    }
    if (!sink.committed()) {
      core::Response internal{
          500, {}, core::error_body(core::ErrorKind::internal, "no answer was produced")};
      co_await sink.send(internal);
    }
    if (!keep_alive || !sink.finished()) co_return;
    first = false;
  }
}

template <typename Stream>
awaitable<void> shutdown(Stream& stream) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  } else {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(tuple_awaitable);
  }
  co_return;
}

template <typename Stream>
awaitable<void> run_session(Stream stream, HttpHandler& handler, Worker& worker, std::string peer,
                            bool handshake) {
  auto entry = worker.add_session({true, nullptr});
  entry->close = [&stream] { beast::get_lowest_layer(stream).cancel(); };
  try {
    bool ready = true;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      if (handshake) {
        beast::get_lowest_layer(stream).expires_after(worker.server_config().header_timeout);
        auto [ec] =
            co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
        ready = !ec;
      }
    }
    if (ready) {
      co_await serve(stream, handler, worker, entry, peer);
      co_await shutdown(stream);
    }
  } catch (const std::exception& e) {
    core::log_warn("connection from " + peer + " ended: " + e.what());
  }
  worker.remove_session(entry);
}

}  // namespace

void start_session(tcp::socket socket, asio::ssl::context* tls, HttpHandler& handler,
                   Worker& worker) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? "unknown" : remote.address().to_string();
  auto executor = socket.get_executor();
  if (tls == nullptr) {
    asio::co_spawn(
        executor,
        run_session(beast::tcp_stream(std::move(socket)), handler, worker, std::move(peer), false),
        asio::detached);
  } else {
    asio::co_spawn(executor,
                   run_session(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls),
                               handler, worker, std::move(peer), true),
                   asio::detached);
  }
}

}  // namespace tollgate::gateway::server
