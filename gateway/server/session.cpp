// One connection's life: wait for a request (idle or header timeout), read it within
// limits, hand it to the handler as an Exchange, write the answer whole or as a
// chunked event stream, and repeat while keep-alive holds and the worker is not
// draining. Plain and TLS share every line but the handshake and the shutdown.
#include "gateway/server/session.h"

#include <sys/socket.h>

#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/http_handler.h"
#include "gateway/core/log.h"
#include "gateway/core/request_json.h"
#include "gateway/server/client_sink.h"
#include "gateway/server/request_reading.h"
#include "gateway/server/worker.h"

namespace tollgate::gateway::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

namespace {

using namespace request_reading_detail;

template <typename Stream>
awaitable<void> serve(Stream& stream, core::HttpHandler& handler, Worker& worker,
                      std::list<SessionEntry>::iterator entry, std::string peer) {
  const core::ServerConfig& server = worker.server_config();
  beast::flat_buffer buffer(kReadBufferLimit);
  bool first = true;
  core::ConnectionMemo memo;
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
    exchange.connection = &memo;
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
