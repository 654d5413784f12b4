// HTTP/1.1 client for providers: pooled keep-alive connections, TLS with SNI and host
// name verification, connect/request/between-event timeouts, one retry when a pooled
// connection turns out to be closed, bodies decoded when compressed, streamed bodies
// handed to the receiver as they arrive.
#include "gateway/upstream/http_upstream.h"

#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/intrusive/list.hpp>

#include "gateway/core/content_coding.h"
#include "gateway/core/deadline.h"
#include "gateway/core/failure.h"
#include "gateway/http/message_parser.h"
#include "gateway/upstream/host_resolver.h"

namespace tollgate::gateway::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::ip::tcp;
using core::FailureClass;
using core::UpstreamError;

namespace {

constexpr auto kIdleReuseLimit = std::chrono::seconds(50);  // below common server idle limits
constexpr std::size_t kMaxIdlePerKey = 256;
constexpr std::size_t kMaxWholeBody = core::kMaxWholeAnswerBytes;
constexpr auto kDnsTtl = std::chrono::seconds(30);
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// Beast reads at most what the buffer has room for, starting at 512 bytes: a typical
// answer head and small body would take two or three reads. Both sizes are per open
// upstream connection, so they are what 10,000 concurrent streams cost.
constexpr std::size_t kReadBufferBytes = 2048;
// A streamed answer's head is a few hundred bytes, and a burst of streams all wait for
// their first byte at once: they start with less.
constexpr std::size_t kStreamHeadBufferBytes = 768;
constexpr std::size_t kHeaderLimit = 64 * 1024;
// The most a connection's read buffer holds: the head, or past it a line still waiting
// for its end (a chunk's size line and extensions, the trailer section); body bytes are
// taken as they arrive. A provider sending an endless chunk extension fails the answer
// here instead of growing the gateway without bound.
constexpr std::size_t kReadBufferLimit = kHeaderLimit + 8 * 1024;

// Every open connection, idle or busy, is on its transport's list (the hook unlinks it
// when it is destroyed), so the deadline sweep can reach it.
using ConnectionHook =
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

struct Connection {
  std::optional<tcp::socket> plain;  // set when not TLS
  // On the heap: 440 bytes that a plain connection (held by every open stream) would
  // carry for nothing.
  std::unique_ptr<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer{kReadBufferLimit};
  std::chrono::steady_clock::time_point idle_since;
  // Covers connect and handshake, then a request's write and read up to the whole answer
  // (for streams: the wait for each next piece). Set by the sweep when it closed the
  // socket, so that the error the operation ends with is reported as a timeout.
  core::Deadline deadline;
  bool timed_out = false;
  ConnectionHook hook;

  tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }
  void close() {
    beast::error_code ignored;
    lowest().close(ignored);
  }
};

using ConnectionList = boost::intrusive::list<
    Connection, boost::intrusive::member_hook<Connection, ConnectionHook, &Connection::hook>,
    boost::intrusive::constant_time_size<false>>;

// A pooled connection that closed before answering: safe to retry on a fresh one,
// since the provider never saw (or never answered) the request.
struct StaleConnection {};

// `refusal`: why the answer's framing was refused (ResponseParser::refusal), if it was.
UpstreamError translate(const Connection& conn, const beast::error_code& ec,
                        std::string_view during, std::string_view refusal = {}) {
  if (conn.timed_out) {
    return UpstreamError(FailureClass::timeout, std::string(during) + ": timed out");
  }
  std::string why = refusal.empty() ? ec.message() : std::string(refusal);
  // An answer whose HTTP could not be read (bad framing, a head or chunk line past the
  // bounds) is the provider answering garbage: a server error, as a 5xx would be. A
  // refused connection, a reset or an early end of stream stays a connect error.
  bool garbage = !refusal.empty() || is_http_parse_error(ec);
  return UpstreamError(garbage ? FailureClass::server_error : FailureClass::connect_error,
                       std::string(during) + ": " + why);
}

// Fields the transport writes itself: never copied from the request's list.
constexpr std::string_view kTransportFields[] = {
    "host", "content-length", "connection", "accept-encoding", "transfer-encoding", "keep-alive"};

// The request head, written by hand: Beast's field list would allocate a node per header
// and its serializer walks them again; this is one string, reused for the retry.
std::string request_head(const core::Url& url, core::UpstreamRequest& request) {
  std::string head;
  std::size_t size = 160 + request.target.size();
  for (const auto& field : request.headers) size += field.name.size() + field.value.size() + 4;
  head.reserve(size);  // one allocation
  head += request.method;
  head += ' ';
  head += request.target;
  head += " HTTP/1.1\r\nhost: ";
  head += url.host;
  if (url.port != (url.tls() ? 443 : 80)) {
    head += ':';
    head += std::to_string(url.port);
  }
  head += "\r\n";
  for (const auto& field : request.headers) {
    core::append_field(head, field.name, field.value, kTransportFields);
  }
  // Streams must reach the client event by event, which a compressed stream defeats.
  head += request.stream ? "accept-encoding: identity\r\n" : "accept-encoding: gzip, br\r\n";
  head += "content-length: ";
  head += std::to_string(request.body.size());
  head += "\r\nconnection: keep-alive\r\n\r\n";
  return head;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

class HttpUpstream final : public core::UpstreamTransport {
 public:
  explicit HttpUpstream(asio::any_io_executor executor)
      : executor_(std::move(executor)), sweep_(executor_, [this](auto now) {
          for (Connection& conn : connections_) {
            // Closed again on every sweep until its owner notices: a connect attempt may
            // move on to the host's next address.
            if (conn.deadline.passed(now)) {
              conn.timed_out = true;
              conn.close();
            }
          }
        }) {}

  awaitable<core::UpstreamResponse> send(const core::ProviderConfig& provider,
                                         core::UpstreamRequest& request,
                                         core::StreamReceiver* receiver) override {
    const core::Url& url = provider.base_url;
    IdlePool& pool = pool_for(provider);
    std::string head = request_head(url, request);

    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn = take_idle(pool);
      bool reused = conn != nullptr;
      if (!conn) conn = co_await connect(provider, request.abort);
      if (request.abort != nullptr) {
        Connection* raw = conn.get();
        request.abort->on_abort([raw] { raw->close(); });
      }
      try {
        core::UpstreamResponse response;
        // The model's per-attempt timeout, when it has one, instead of the provider's.
        core::Duration timeout =
            request.timeout > core::Duration::zero() ? request.timeout : provider.timeout;
        bool keep = conn->tls ? co_await exchange(*conn->tls, *conn, head, request, provider,
                                                  timeout, receiver, reused, response)
                              : co_await exchange(*conn->plain, *conn, head, request, provider,
                                                  timeout, receiver, reused, response);
        conn->deadline.disarm();
        if (request.abort != nullptr) request.abort->clear();
        if (request.abort != nullptr && request.abort->aborted()) keep = false;
        if (keep) give_back(pool, std::move(conn));
        co_return response;
      } catch (const StaleConnection&) {
        if (request.abort != nullptr) request.abort->clear();
        if (attempt > 0) {
          throw UpstreamError(FailureClass::connect_error, "the provider closed the connection");
        }
      } catch (...) {
        if (request.abort != nullptr) request.abort->clear();
        throw;
      }
    }
  }

 private:
  using IdlePool = std::vector<std::unique_ptr<Connection>>;

  // Connections are shared by providers with the same endpoint and TLS settings. The key
  // is written into a reused buffer: no allocation per request once the pool exists. A
  // reference into the map stays valid as it grows.
  IdlePool& pool_for(const core::ProviderConfig& p) {
    std::string& key = key_buffer_;
    key.clear();
    key += p.base_url.scheme;
    key += "://";
    key += p.base_url.host;
    key += ':';
    char port[8];
    auto [end, ec] = std::to_chars(port, port + sizeof port, p.base_url.port);
    key.append(port, end);
    if (p.base_url.tls()) {
      key += p.tls_verify ? "|v|" : "|nv";
      if (p.tls_verify) key += p.ca_file;
    }
    return idle_[key];
  }

  std::unique_ptr<Connection> take_idle(IdlePool& pool) {
    auto now = std::chrono::steady_clock::now();
    while (!pool.empty()) {
      std::unique_ptr<Connection> conn = std::move(pool.back());
      pool.pop_back();
      if (now - conn->idle_since < kIdleReuseLimit && conn->lowest().is_open()) {
        return conn;
      }
    }
    return nullptr;
  }

  void give_back(IdlePool& list, std::unique_ptr<Connection> conn) {
    if (list.size() >= kMaxIdlePerKey) return;
    conn->idle_since = std::chrono::steady_clock::now();
    list.push_back(std::move(conn));
  }

  ssl::context& tls_context(const core::ProviderConfig& p) {
    std::string key = p.tls_verify ? "v|" + p.ca_file : "nv";
    auto it = tls_contexts_.find(key);
    if (it != tls_contexts_.end()) return *it->second;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (p.tls_verify) {
      beast::error_code ec;
      if (p.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
      } else {
        ctx->load_verify_file(p.ca_file, ec);
      }
      if (ec) {
        throw UpstreamError(
            FailureClass::connect_error,
            "cannot load CA certificates for provider " + p.name + ": " + ec.message());
      }
      ctx->set_verify_mode(ssl::verify_peer);
    } else {
      ctx->set_verify_mode(ssl::verify_none);
    }
    return *tls_contexts_.emplace(key, std::move(ctx)).first->second;
  }

  awaitable<std::unique_ptr<Connection>> connect(const core::ProviderConfig& p,
                                                 core::AbortSignal* abort) {
    const core::Url& url = p.base_url;
    // connect_timeout bounds the lookup too, on its own clock (host_resolver.h).
    auto results = co_await resolver_.resolve(url.host, url.port, p.connect_timeout, abort);
    auto conn = std::make_unique<Connection>();
    connections_.push_back(*conn);
    conn->plain.emplace(executor_);
    conn->deadline.arm(p.connect_timeout);  // connect and TLS handshake together
    auto [ec, endpoint] = co_await asio::async_connect(*conn->plain, results, tuple_awaitable);
    if (ec) throw translate(*conn, ec, "connecting to " + url.host);
    conn->plain->set_option(tcp::no_delay(true), ec);
    if (!url.tls()) {
      conn->deadline.disarm();
      co_return conn;
    }
    conn->tls = std::make_unique<ssl::stream<tcp::socket>>(std::move(*conn->plain), tls_context(p));
    conn->plain.reset();
    SSL* handle = conn->tls->native_handle();
    if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(handle, url.host.c_str());
    if (p.tls_verify) conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (hec) throw translate(*conn, hec, "TLS handshake with " + url.host);
    conn->deadline.disarm();
    co_return conn;
  }

  // One request/response on `stream`. Returns whether the connection may be reused.
  // The parser lives on the heap, not on this coroutine's frame, and only while it is
  // needed: a stream holds the frame for minutes.
  template <typename Stream>
  awaitable<bool> exchange(Stream& stream, Connection& conn, std::string& request_head,
                           core::UpstreamRequest& request, const core::ProviderConfig& p,
                           core::Duration timeout, core::StreamReceiver* receiver, bool reused,
                           core::UpstreamResponse& out) {
    conn.deadline.arm(timeout);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(request_head),
                                              asio::buffer(request.body)};
    auto [wec, written] = co_await asio::async_write(stream, buffers, tuple_awaitable);
    if (wec) {
      if (reused && !conn.timed_out) throw StaleConnection{};
      throw translate(conn, wec, "sending to " + p.name);
    }
    // Room for the answer in as few reads as its kind needs (a stream shrank it).
    std::size_t room = receiver != nullptr ? kStreamHeadBufferBytes : kReadBufferBytes;
    if (conn.buffer.capacity() < room) conn.buffer.reserve(room);
    auto parser_slot = std::make_unique<ResponseParser>();
    auto& parser = *parser_slot;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kMaxWholeBody);  // Beast checks a content-length against it at once
    auto [hec, hn] = co_await http::async_read_header(stream, conn.buffer, parser, tuple_awaitable);
    if (hec) {
      if (reused && !parser.got_some() && !conn.timed_out) throw StaleConnection{};
      throw translate(conn, hec, "reading the answer of " + p.name, parser.refusal);
    }
    // An answer has begun: the request is never sent again, so it can go (a stream holds
    // this for minutes).
    std::string().swap(request_head);
    std::string().swap(request.body);
    request.headers.release();
    out.status = parser.status;
    out.headers = std::move(parser.headers);

    bool success = out.status >= 200 && out.status <= 299;
    if (receiver != nullptr && success) {
      parser.body_limit(boost::none);
      co_await receiver->on_head(out);
      // A stream holds its connection for minutes: keep only what the head left unread
      // (the buffer grows back as events arrive, to about their size).
      if (conn.buffer.size() < conn.buffer.capacity() / 4) conn.buffer.shrink_to_fit();
      // Each read parses what the buffer holds first (events that came with the head),
      // then what arrives; the body bytes it parsed go to the receiver at once.
      while (!parser.is_done()) {
        conn.deadline.arm(timeout);  // for streams: the longest wait between events
        auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, parser, tuple_awaitable);
        if (ec) throw translate(conn, ec, "reading the stream of " + p.name, parser.refusal);
        if (parser.body.empty()) continue;
        co_await receiver->on_data(parser.body);
        parser.body.clear();
      }
      co_return parser.keep_alive();
    }

    auto [bec, bn] = co_await http::async_read(stream, conn.buffer, parser, tuple_awaitable);
    if (bec) throw translate(conn, bec, "reading the body of " + p.name, parser.refusal);
    out.body = std::move(parser.body);
    if (auto coding = core::parse_coding(out.headers.get("content-encoding"));
        coding != core::Coding::identity) {
      core::DecodedBody decoded = core::decode_body(coding, out.body, kMaxWholeBody);
      if (decoded.outcome == core::DecodedBody::Outcome::too_large) {
        throw UpstreamError(FailureClass::server_error,
                            "the answer of " + p.name + " is larger than 64 MiB decoded");
      }
      if (decoded.outcome != core::DecodedBody::Outcome::ok) {
        throw UpstreamError(FailureClass::server_error,
                            "the answer of " + p.name + " could not be decoded");
      }
      out.body = std::move(decoded.body);
      out.headers.remove("content-encoding");
      out.headers.remove("content-length");
    }
    co_return parser.keep_alive();
  }

  asio::any_io_executor executor_;
  // Declared before the pool: destroyed after it, and after the sweep that walks it.
  ConnectionList connections_;
  core::DeadlineSweep sweep_;
  std::unordered_map<std::string, IdlePool> idle_;
  std::string key_buffer_;
  std::map<std::string, std::unique_ptr<ssl::context>> tls_contexts_;
  HostResolver resolver_{executor_, kDnsTtl};
};

}  // namespace

std::unique_ptr<core::UpstreamTransport> make_http_upstream(asio::any_io_executor executor) {
  return std::make_unique<HttpUpstream>(std::move(executor));
}

}  // namespace tollgate::gateway::upstream
