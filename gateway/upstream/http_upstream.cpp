// HTTP/1.1 client for providers: pooled keep-alive connections, TLS with SNI and host
// name verification, connect/request/between-event timeouts, one retry when a pooled
// connection turns out to be closed, bodies decoded when compressed, streamed bodies
// handed to the receiver as they arrive.
#include "gateway/upstream/http_upstream.h"

#include <array>
#include <chrono>
#include <map>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gateway/core/content_coding.h"
#include "gateway/core/failure.h"

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
constexpr std::size_t kMaxWholeBody = 64 * 1024 * 1024;
constexpr auto kDnsTtl = std::chrono::seconds(30);
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// Beast reads at most what the buffer has room for, starting at 512 bytes: a typical
// answer head and small body would take two or three reads. Both sizes are per open
// upstream connection, so they are what 10,000 concurrent streams cost.
constexpr std::size_t kReadBufferBytes = 2048;
// A streamed answer's head is a few hundred bytes, and a burst of streams all wait for
// their first byte at once: they start with less.
constexpr std::size_t kStreamHeadBufferBytes = 768;
// Streamed bodies are read in pieces of this size; SSE events are mostly a few hundred
// bytes, and a burst just takes more turns of the loop.
constexpr std::size_t kStreamChunkBytes = 512;

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;  // set when not TLS
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  // Allocated on the first streamed answer, not on every coroutine frame: 10,000 open
  // streams must fit in little memory.
  std::unique_ptr<char[]> stream_chunk;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// A pooled connection that closed before answering: safe to retry on a fresh one,
// since the provider never saw (or never answered) the request.
struct StaleConnection {};

UpstreamError translate(const beast::error_code& ec, std::string_view during) {
  if (ec == beast::error::timeout) {
    return UpstreamError(FailureClass::timeout, std::string(during) + ": timed out");
  }
  return UpstreamError(FailureClass::connect_error, std::string(during) + ": " + ec.message());
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
  explicit HttpUpstream(asio::any_io_executor executor) : executor_(std::move(executor)) {}

  awaitable<core::UpstreamResponse> send(const core::ProviderConfig& provider,
                                         core::UpstreamRequest& request,
                                         core::StreamReceiver* receiver) override {
    const core::Url& url = provider.base_url;
    std::string key = pool_key(provider);
    std::string head = request_head(url, request);

    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn = take_idle(key);
      bool reused = conn != nullptr;
      if (!conn) conn = co_await connect(provider);
      if (request.abort != nullptr) {
        Connection* raw = conn.get();
        request.abort->on_abort([raw] { raw->lowest().close(); });
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
        if (request.abort != nullptr) request.abort->clear();
        if (request.abort != nullptr && request.abort->aborted()) keep = false;
        if (keep) give_back(key, std::move(conn));
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
  static std::string pool_key(const core::ProviderConfig& p) {
    std::string key =
        p.base_url.scheme + "://" + p.base_url.host + ":" + std::to_string(p.base_url.port);
    if (p.base_url.tls()) key += p.tls_verify ? "|v|" + p.ca_file : "|nv";
    return key;
  }

  std::unique_ptr<Connection> take_idle(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      std::unique_ptr<Connection> conn = std::move(it->second.back());
      it->second.pop_back();
      if (now - conn->idle_since < kIdleReuseLimit && conn->lowest().socket().is_open()) {
        return conn;
      }
    }
    return nullptr;
  }

  void give_back(const std::string& key, std::unique_ptr<Connection> conn) {
    auto& list = idle_[key];
    if (list.size() >= kMaxIdlePerKey) return;
    conn->idle_since = std::chrono::steady_clock::now();
    conn->lowest().expires_never();
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

  awaitable<tcp::resolver::results_type> resolve(const core::Url& url) {
    std::string key = url.host + ":" + std::to_string(url.port);
    auto now = std::chrono::steady_clock::now();
    if (auto it = dns_.find(key); it != dns_.end() && now - it->second.at < kDnsTtl) {
      co_return it->second.results;
    }
    tcp::resolver resolver(executor_);
    std::string port = std::to_string(url.port);
    auto [ec, results] = co_await resolver.async_resolve(url.host, port, tuple_awaitable);
    if (ec)
      throw UpstreamError(FailureClass::connect_error,
                          "resolving " + url.host + ": " + ec.message());
    dns_[key] = {results, now};
    co_return results;
  }

  awaitable<std::unique_ptr<Connection>> connect(const core::ProviderConfig& p) {
    const core::Url& url = p.base_url;
    auto results = co_await resolve(url);
    auto conn = std::make_unique<Connection>();
    beast::tcp_stream stream(executor_);
    stream.expires_after(p.connect_timeout);
    auto [ec, endpoint] = co_await stream.async_connect(results, tuple_awaitable);
    if (ec) throw translate(ec, "connecting to " + url.host);
    stream.socket().set_option(tcp::no_delay(true), ec);
    if (!url.tls()) {
      conn->plain = std::make_unique<beast::tcp_stream>(std::move(stream));
      co_return conn;
    }
    conn->tls =
        std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream), tls_context(p));
    SSL* handle = conn->tls->native_handle();
    if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(handle, url.host.c_str());
    if (p.tls_verify) conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (hec) throw translate(hec, "TLS handshake with " + url.host);
    co_return conn;
  }

  // One request/response on `stream`. Returns whether the connection may be reused.
  // The parsers live on the heap, each only while it is needed, not all three on this
  // coroutine's frame: a stream holds the frame for minutes.
  template <typename Stream>
  awaitable<bool> exchange(Stream& stream, Connection& conn, std::string& request_head,
                           core::UpstreamRequest& request, const core::ProviderConfig& p,
                           core::Duration timeout, core::StreamReceiver* receiver, bool reused,
                           core::UpstreamResponse& out) {
    beast::tcp_stream& tcp = conn.lowest();
    tcp.expires_after(timeout);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(request_head),
                                              asio::buffer(request.body)};
    auto [wec, written] = co_await asio::async_write(stream, buffers, tuple_awaitable);
    if (wec) {
      if (reused && wec != beast::error::timeout) throw StaleConnection{};
      throw translate(wec, "sending to " + p.name);
    }
    // Room for the answer in as few reads as its kind needs (a stream shrank it).
    std::size_t room = receiver != nullptr ? kStreamHeadBufferBytes : kReadBufferBytes;
    if (conn.buffer.capacity() < room) conn.buffer.reserve(room);
    auto head_parser = std::make_unique<http::response_parser<http::empty_body>>();
    head_parser->header_limit(64 * 1024);
    auto [hec, hn] =
        co_await http::async_read_header(stream, conn.buffer, *head_parser, tuple_awaitable);
    if (hec) {
      if (reused && !head_parser->got_some() && hec != beast::error::timeout)
        throw StaleConnection{};
      throw translate(hec, "reading the answer of " + p.name);
    }
    // An answer has begun: the request is never sent again, so it can go (a stream holds
    // this for minutes).
    std::string().swap(request_head);
    std::string().swap(request.body);
    request.headers = core::Headers();
    const auto& head = head_parser->get();
    out.status = static_cast<int>(head.result_int());
    for (const auto& field : head) out.headers.add(field.name_string(), field.value());

    bool success = out.status >= 200 && out.status <= 299;
    if (receiver != nullptr && success) {
      auto stream_parser =
          std::make_unique<http::response_parser<http::buffer_body>>(std::move(*head_parser));
      head_parser.reset();
      auto& parser = *stream_parser;
      parser.body_limit(boost::none);
      // `out` has its own copy; the parser's field nodes would live as long as the stream.
      parser.get().clear();
      co_await receiver->on_head(out);
      // A stream holds its connection for minutes: keep only what the head left unread
      // (the buffer grows back as events arrive, to about their size).
      if (conn.buffer.size() < conn.buffer.capacity() / 4) conn.buffer.shrink_to_fit();
      if (!conn.stream_chunk) conn.stream_chunk = std::make_unique<char[]>(kStreamChunkBytes);
      char* chunk = conn.stream_chunk.get();
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = kStreamChunkBytes;
        tcp.expires_after(timeout);  // for streams: the longest wait between events
        auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, parser, tuple_awaitable);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) throw translate(ec, "reading the stream of " + p.name);
        std::size_t got = kStreamChunkBytes - parser.get().body().size;
        if (got > 0) co_await receiver->on_data(std::string_view(chunk, got));
      }
      co_return parser.keep_alive();
    }

    auto whole_parser =
        std::make_unique<http::response_parser<http::string_body>>(std::move(*head_parser));
    head_parser.reset();
    auto& parser = *whole_parser;
    parser.body_limit(kMaxWholeBody);
    auto [bec, bn] = co_await http::async_read(stream, conn.buffer, parser, tuple_awaitable);
    if (bec) throw translate(bec, "reading the body of " + p.name);
    out.body = std::move(parser.get().body());
    if (auto coding = core::parse_coding(out.headers.get("content-encoding"));
        coding != core::Coding::identity) {
      auto decoded = core::decode_body(coding, out.body, kMaxWholeBody);
      if (!decoded) {
        throw UpstreamError(FailureClass::server_error,
                            "the answer of " + p.name + " could not be decoded");
      }
      out.body = std::move(*decoded);
      out.headers.remove("content-encoding");
      out.headers.remove("content-length");
    }
    co_return parser.keep_alive();
  }

  struct DnsEntry {
    tcp::resolver::results_type results;
    std::chrono::steady_clock::time_point at;
  };

  asio::any_io_executor executor_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  std::map<std::string, std::unique_ptr<ssl::context>> tls_contexts_;
  std::unordered_map<std::string, DnsEntry> dns_;
};

}  // namespace

std::unique_ptr<core::UpstreamTransport> make_http_upstream(asio::any_io_executor executor) {
  return std::make_unique<HttpUpstream>(std::move(executor));
}

}  // namespace tollgate::gateway::upstream
