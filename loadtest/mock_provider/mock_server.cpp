// mock-provider: a fast fake OpenAI-dialect upstream for tests and benchmarks.
//   mock-provider --listen 127.0.0.1:PORT [--threads N] [--tls-cert F --tls-key F] [--record]
// One io_context per thread with SO_REUSEPORT acceptors; keep-alive; each stream event
// is written on its own. Behaviour is steered per request by x-mock-* headers (see
// loadtest/README.md). --record keeps the last request for GET /mock/last-request.
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gateway/core/content_coding.h"
#include "loadtest/mock_provider/mock_anthropic.h"
#include "loadtest/mock_provider/mock_audio.h"
#include "loadtest/mock_provider/mock_azure.h"
#include "loadtest/mock_provider/mock_bodies.h"
#include "loadtest/mock_provider/mock_gemini.h"
#include "loadtest/mock_provider/mock_request.h"
#include "loadtest/mock_provider/mock_responses.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;
using namespace tollgate::mock;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

bool g_record = false;
std::mutex g_last_mutex;
std::string g_last_request = "{}";
// POSTs answered, for GET /mock/calls (a test checks the provider was not called again),
// and the last 32 of them: path, authorization and the body's first 512 bytes (a test
// checks which key a call carried).
std::atomic<long long> g_posts{0};
std::mutex g_recent_mutex;
std::deque<std::string> g_recent;

void note_call(const http::request<http::string_body>& req) {
  g_posts.fetch_add(1, std::memory_order_relaxed);
  std::string out = R"({"target":)";
  append_json_string(out, req.target());
  out += R"(,"authorization":)";
  append_json_string(out, req[http::field::authorization]);
  out += R"(,"body":)";
  std::string_view body = req.body();
  append_json_string(out, body.substr(0, 512));
  out += "}";
  std::lock_guard lock(g_recent_mutex);
  g_recent.push_back(std::move(out));
  if (g_recent.size() > 32) g_recent.pop_front();
}

std::string calls_json() {
  std::string out =
      "{\"calls\":" + std::to_string(g_posts.load(std::memory_order_relaxed)) + ",\"recent\":[";
  std::lock_guard lock(g_recent_mutex);
  for (std::size_t i = 0; i < g_recent.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += g_recent[i];
  }
  return out + "]}";
}

int header_int(const http::request<http::string_body>& req, std::string_view name, int fallback) {
  auto it = req.find(name);
  if (it == req.end()) return fallback;
  try {
    return std::stoi(std::string(it->value()));
  } catch (const std::exception&) {
    return fallback;
  }
}

Steering read_steering(const http::request<http::string_body>& req) {
  Steering s;
  s.latency_ms = header_int(req, "x-mock-latency-ms", 0);
  s.chunks = std::max(1, header_int(req, "x-mock-chunks", 5));
  s.chunk_delay_ms = header_int(req, "x-mock-chunk-delay-ms", 0);
  s.status = header_int(req, "x-mock-status", 0);
  s.hang = header_int(req, "x-mock-hang", 0) != 0;
  s.drop_after_chunks = header_int(req, "x-mock-drop-after-chunks", -1);
  s.completion_tokens = std::max(1, header_int(req, "x-mock-completion-tokens", 8));
  s.body_bytes = static_cast<std::size_t>(std::max(0, header_int(req, "x-mock-body-bytes", 0)));
  s.answer = std::string(req["x-mock-answer"]);
  s.tool_call = std::string(req["x-mock-tool-call"]);
  std::string_view accept = req[http::field::accept_encoding];
  s.gzip = header_int(req, "x-mock-gzip", 0) != 0 && accept.find("gzip") != std::string_view::npos;
  return s;
}

void record(const http::request<http::string_body>& req) {
  std::string out = R"({"method":)";
  append_json_string(out, req.method_string());
  out += R"(,"target":)";
  append_json_string(out, req.target());
  out += R"(,"headers":{)";
  bool first = true;
  for (const auto& f : req) {
    if (!first) out.push_back(',');
    first = false;
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    append_json_string(out, name);
    out.push_back(':');
    append_json_string(out, f.value());
  }
  out += R"(},"body":)";
  append_json_string(out, req.body());
  out += "}";
  std::lock_guard lock(g_last_mutex);
  g_last_request = std::move(out);
}

template <typename Stream>
awaitable<void> wait_until_closed(Stream& stream) {
  char sink[256];
  beast::get_lowest_layer(stream).expires_never();
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), tuple_awaitable);
    if (ec) co_return;
  }
}

template <typename Stream>
awaitable<bool> write_whole(Stream& stream, const http::request<http::string_body>& req,
                            http::status status, std::string& body, const Steering& s,
                            const RequestFacts& facts) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set("x-mock-received-authorization", req[http::field::authorization]);
  res.set("x-mock-received-model", facts.model);
  res.set("x-mock-request-id", req["x-request-id"]);
  res.set("x-mock-received-body-bytes", std::to_string(req.body().size()));
  if (status == http::status::too_many_requests) res.set(http::field::retry_after, "1");
  if (s.gzip) {
    body = tollgate::core::gzip_body(body);
    res.set(http::field::content_encoding, "gzip");
  }
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
  co_return !ec && req.keep_alive();
}

template <typename Stream>
awaitable<bool> write_stream(Stream& stream, const http::request<http::string_body>& req,
                             const Steering& s, const RequestFacts& facts, bool chat) {
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("x-mock-received-authorization", req[http::field::authorization]);
  res.set("x-mock-received-model", facts.model);
  res.set("x-mock-request-id", req["x-request-id"]);
  res.chunked(true);
  res.keep_alive(req.keep_alive());
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] = co_await http::async_write_header(stream, sr, tuple_awaitable);
  if (hec) co_return false;

  std::string text =
      s.answer.empty() ? completion_text(s.completion_tokens, s.body_bytes) : s.answer;
  std::string id = "chatcmpl-mock";
  asio::steady_timer timer(stream.get_executor());
  std::string event;
  auto send = [&](const std::string& json) -> awaitable<bool> {
    event = "data: ";
    event += json;
    event += "\n\n";
    auto framed = http::make_chunk(asio::buffer(event));
    auto [ec, n] = co_await asio::async_write(stream, framed, tuple_awaitable);
    co_return !ec;
  };
  std::size_t per_chunk =
      (text.size() + static_cast<std::size_t>(s.chunks) - 1) / static_cast<std::size_t>(s.chunks);
  bool tool_call = chat && !s.tool_call.empty();  // its own chunks, finish included
  if (tool_call) {
    for (const std::string& json : tool_call_chunks(facts, id, s.tool_call)) {
      if (!co_await send(json)) co_return false;
    }
  }
  for (int i = 0; i < (tool_call ? 0 : s.chunks); ++i) {
    if (s.drop_after_chunks >= 0 && i == s.drop_after_chunks) {
      beast::get_lowest_layer(stream).socket().close();
      co_return false;
    }
    if (i > 0 && s.chunk_delay_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(s.chunk_delay_ms));
      co_await timer.async_wait(tuple_awaitable);
    }
    std::size_t begin = std::min(text.size(), static_cast<std::size_t>(i) * per_chunk);
    std::string piece = text.substr(begin, per_chunk);
    std::string json = chat ? chat_chunk(facts, id, piece, i == 0, false)
                            : completion_chunk(facts, id, piece, false);
    if (!co_await send(json)) co_return false;
  }
  std::string final_chunk =
      chat ? chat_chunk(facts, id, "", false, true) : completion_chunk(facts, id, "", true);
  if (!tool_call && !co_await send(final_chunk)) co_return false;
  if (facts.include_usage) {
    std::string u = usage_chunk(facts, id, chat, s.completion_tokens);
    if (!co_await send(u)) co_return false;
  }
  std::string done = "[DONE]";
  if (!co_await send(done)) co_return false;
  auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream, last, tuple_awaitable);
  co_return !ec && req.keep_alive();
}

// Answers one request; returns whether the connection stays open.
template <typename Stream>
awaitable<bool> answer(Stream& stream, http::request<http::string_body>& req) {
  if (g_record && req.target() != "/mock/last-request") record(req);
  Steering s = read_steering(req);
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  RequestFacts facts;
  if (req.method() != http::verb::get) note_call(req);
  if (auto item = response_item_path(path)) {
    bool as_events = req.target().find("stream=true") != std::string_view::npos;
    DialectReply reply = response_item_reply(req.method_string(), *item, as_events);
    co_return co_await write_dialect_reply(stream, req, reply, s);
  }
  if (is_upload_path(path) && req.method() == http::verb::post) {
    DialectReply reply = upload_reply(path, req[http::field::content_type], req.body());
    co_return co_await write_dialect_reply(stream, req, reply, s);
  }
  if (req.method() == http::verb::get) {
    std::string body;
    http::status status = http::status::ok;
    if (path == "/v1/models") {
      body = model_list();
    } else if (path == "/healthz") {
      body = R"({"status":"ok"})";
    } else if (path == "/mock/last-request") {
      std::lock_guard lock(g_last_mutex);
      body = g_last_request;
    } else if (path == "/mock/calls") {
      body = calls_json();
    } else {
      status = http::status::not_found;
      body = mock_error_body(404);
    }
    co_return co_await write_whole(stream, req, status, body, s, facts);
  }
  facts = read_request_body(req.body());
  if (s.latency_ms > 0) {
    asio::steady_timer timer(stream.get_executor(), std::chrono::milliseconds(s.latency_ms));
    co_await timer.async_wait(tuple_awaitable);
  }
  if (s.hang) {
    co_await wait_until_closed(stream);
    co_return false;
  }
  if (is_azure_path(path)) co_return co_await answer_azure(stream, req, s);
  if (is_gemini_path(path)) co_return co_await answer_gemini(stream, req, s);
  if (is_anthropic_path(path)) co_return co_await answer_anthropic(stream, req, s);
  if (s.status >= 400) {
    std::string body = mock_error_body(s.status);
    co_return co_await write_whole(stream, req, static_cast<http::status>(s.status), body, s,
                                   facts);
  }
  if (!facts.valid_json) {
    std::string body = mock_error_body(400);
    co_return co_await write_whole(stream, req, http::status::bad_request, body, s, facts);
  }
  if (is_responses_path(path)) co_return co_await answer_responses(stream, req, facts, s);
  if (is_speech_path(path)) co_return co_await answer_speech(stream, req, facts, s);
  bool chat = path == "/v1/chat/completions";
  if (chat || path == "/v1/completions") {
    if (facts.stream) co_return co_await write_stream(stream, req, s, facts, chat);
    std::string text =
        s.answer.empty() ? completion_text(s.completion_tokens, s.body_bytes) : s.answer;
    std::string body = chat ? chat_completion(facts, "chatcmpl-mock", text, s.completion_tokens)
                            : text_completion(facts, "cmpl-mock", text, s.completion_tokens);
    if (chat && !s.tool_call.empty()) {
      body = tool_call_completion(facts, "chatcmpl-mock", s.tool_call, s.completion_tokens);
    }
    co_return co_await write_whole(stream, req, http::status::ok, body, s, facts);
  }
  std::string body = path == "/v1/embeddings" ? embeddings(facts) : echo(path, facts, req.body());
  co_return co_await write_whole(stream, req, http::status::ok, body, s, facts);
}

template <typename Stream>
awaitable<void> session(Stream stream, bool handshake) {
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    if (handshake) {
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
      if (ec) co_return;
    }
  }
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (ec) break;
    http::request<http::string_body> req = parser.release();
    if (!co_await answer(stream, req)) break;
  }
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::ssl::context* tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
    if (ec) {
      if (!acceptor.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    if (tls) {
      asio::co_spawn(executor,
                     session(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), true),
                     asio::detached);
    } else {
      asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket)), false),
                     asio::detached);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8000", cert, key;
  unsigned threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "mock-provider: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--listen") {
      listen = next();
    } else if (a == "--threads") {
      threads = static_cast<unsigned>(std::max(1, std::stoi(next())));
    } else if (a == "--tls-cert") {
      cert = next();
    } else if (a == "--tls-key") {
      key = next();
    } else if (a == "--record") {
      g_record = true;
    } else {
      std::cerr << "usage: mock-provider --listen HOST:PORT [--threads N] [--tls-cert F "
                   "--tls-key F] [--record]\n";
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto colon = listen.rfind(':');
  tcp::endpoint endpoint(asio::ip::make_address(listen.substr(0, colon)),
                         static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
  std::unique_ptr<asio::ssl::context> tls;
  if (!cert.empty()) {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->use_certificate_chain_file(cert);
    tls->use_private_key_file(key, asio::ssl::context::pem);
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  for (unsigned t = 0; t < threads; ++t) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    auto acceptor = std::make_unique<tcp::acceptor>(*contexts.back());
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(*contexts.back(), accept_loop(*acceptor, tls.get()), asio::detached);
    acceptors.push_back(std::move(acceptor));
  }
  std::cout << "mock-provider listening on " << listen << std::endl;

  asio::signal_set signals(*contexts[0], SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) {
    for (auto& c : contexts) c->stop();
  });
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&, t] { contexts[t]->run(); });
  contexts[0]->run();
  for (auto& c : contexts) c->stop();
  for (auto& th : pool) th.join();
  return 0;
}
