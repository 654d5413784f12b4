// Writes one request's answer to the client, whole or as a chunked event stream: the
// ResponseSink of the public and admin listeners. Beast-heavy: included by session.cpp
// only (a file that instantiates Beast's async code costs ~25 s to compile).
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/core/content_coding.h"
#include "gateway/core/exchange.h"
#include "gateway/core/http_handler.h"
#include "gateway/core/response.h"
#include "gateway/server/worker.h"

namespace tollgate::gateway::server {

namespace client_sink_detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;

inline constexpr std::size_t kGzipMinBytes = 1024;  // smaller bodies are not worth compressing

// A head's fields while it is being written: views into the answer, the exchange and
// literals. Built and consumed without a suspension between, so one list per thread
// serves every sink (it is not carried on each connection's coroutine frame).
struct FieldView {
  std::string_view name;
  std::string_view value;
};
inline thread_local std::vector<FieldView> head_fields;

// Framing fields the sink writes itself: never copied from a provider's answer.
inline constexpr std::string_view kFramingFields[] = {"content-length", "transfer-encoding",
                                                      "connection", "keep-alive", "upgrade"};

// Writes a chunk's size line ("1a3\r\n") at `out`, which has room for 18 bytes; returns
// its length. By hand: snprintf's format parsing showed in profiles of streams.
inline std::size_t write_chunk_size_line(char* out, std::size_t size) {
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
    bool no_content = response.status == 204;  // a preflight's answer: no body, no length
    if (!response.headers.has("content-type") && !no_content) {
      add_field("content-type", "application/json");
    }
    add_fields(response.headers);
    if (gzip) {
      add_field("content-encoding", "gzip");
      add_field("vary", "accept-encoding");
    }
    finish_head(no_content ? std::nullopt : std::optional<std::size_t>(response.body.size()),
                no_content);
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

  // A binary stream's bytes: one HTTP chunk each (as they are for HTTP/1.0).
  awaitable<void> send_bytes(std::string_view bytes) override {
    if (bytes.empty()) co_return;
    WriteDeadline armed(session_, write_timeout_);
    std::array<char, 20> size_line{};
    std::size_t n = http10_ ? 0 : write_chunk_size_line(size_line.data(), bytes.size());
    static constexpr std::string_view kCrlf = "\r\n";
    std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line.data(), n),
                                              asio::buffer(bytes),
                                              asio::buffer(kCrlf.data(), http10_ ? 0 : 2)};
    co_await asio::async_write(stream_, buffers, asio::use_awaitable);
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
    // Vary is a list: ours (origin, accept-encoding) and a provider's all stand.
    if (core::iequals(name, "vary")) return;
    for (std::size_t i = 0; i < before; ++i) {
      if (core::iequals(head_fields[i].name, name)) head_fields[i].name = {};
    }
  }

  // With a length, a whole answer; without, a stream: chunked, or for HTTP/1.0 delimited
  // by the end of the connection.
  void finish_head(std::optional<std::size_t> content_length, bool no_content = false) {
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
    } else if (!http10_ && !no_content) {
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

}  // namespace client_sink_detail

using client_sink_detail::ClientSink;

}  // namespace tollgate::gateway::server
