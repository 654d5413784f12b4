// The request parser (gateway/http/message_parser.h, Beast's basic_parser underneath) is
// the first code any byte from the network meets. The harness reads requests the way the
// session does (gateway/server/session.cpp: the head, then the body with eager parsing,
// then the next pipelined request from what is left, with its 64 KiB header limit and
// max_body_bytes), and checks what a proxy must never get wrong:
//   - the same bytes cut into different reads give the same requests (otherwise the
//     framing depends on TCP segmentation: request smuggling);
//   - a body never exceeds the body limit, a request line or its fields never the header
//     limit;
//   - a request with Content-Length has exactly that body; one with neither a length
//     nor chunked framing has none;
//   - nothing accepted carries CR, LF or NUL in a method, target, field name or value
//     (the gateway writes heads by hand: such bytes would inject fields upstream).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "gateway/core/request_json.h"
#include "gateway/http/message_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace http = boost::beast::http;
using tollgate::gateway::RequestParser;

constexpr std::uint32_t kSessionHeaderLimit = 64 * 1024;      // session.cpp kHeaderLimit
constexpr std::uint64_t kSessionBodyLimit = 4 * 1024 * 1024;  // max_body_bytes' default
constexpr int kMaxPipelined = 64;

struct Limits {
  std::uint32_t header;
  std::uint64_t body;
};

struct Request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool keep_alive = false;
  bool chunked = false;
  bool operator==(const Request&) const = default;
};

// What a connection's bytes were read as: the requests, and how reading ended. Which
// error ends it may depend on the cuts (a bare LF is "bad version" when the line is whole
// and "partial message" when the stream ends while Beast waits for CRLF CRLF): both are
// refusals, so only the kind of end is compared.
struct Reading {
  std::vector<Request> requests;
  std::string end;
  std::string error;  // the parser's message, when `end` is "error"
  bool operator==(const Reading& other) const {
    return requests == other.requests && end == other.end;
  }
};

// The network: the input's pieces, one per read.
class Reads {
 public:
  explicit Reads(const std::vector<std::string_view>& pieces) : pieces_(pieces) {}
  bool read_into(std::string& buffer) {
    if (next_ == pieces_.size()) return false;
    buffer.append(pieces_[next_++]);
    return true;
  }

 private:
  const std::vector<std::string_view>& pieces_;
  std::size_t next_ = 0;
};

// http::read_some as Beast writes it (boost/beast/http/impl/read.hpp): parse what is
// buffered, read more while the parser needs more, put_eof at the end of the stream.
boost::beast::error_code read_some(RequestParser& parser, std::string& buffer, Reads& reads) {
  boost::beast::error_code ec;
  bool must_read = buffer.empty();
  for (;;) {
    if (!must_read) {
      std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec != http::error::need_more) return ec;
    }
    must_read = false;
    if (!reads.read_into(buffer)) {
      if (!parser.got_some()) return http::error::end_of_stream;
      ec = {};
      parser.put_eof(ec);
      return ec;
    }
  }
}

// http::async_read_header (`header_only`) or http::async_read: read_some until done.
boost::beast::error_code read_part(RequestParser& parser, std::string& buffer, Reads& reads,
                                   bool header_only) {
  parser.eager(!header_only);
  auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  while (!done()) {
    if (auto ec = read_some(parser, buffer, reads)) return ec;
  }
  return {};
}

bool has_control_breaking_a_head(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void check_request(const RequestParser& parser, const Request& request, const Limits& limits) {
  FUZZ_CHECK(!request.method.empty() && !request.target.empty());
  FUZZ_CHECK(!has_control_breaking_a_head(request.method));
  FUZZ_CHECK(request.target.find_first_of(std::string_view(" \r\n\0", 4)) == std::string::npos);
  // Beast holds the request line and the fields each to the header limit, not the two
  // together (basic_parser.ipp restarts the count after the request line): a head may
  // reach twice the limit. Found by this target; bounded all the same.
  FUZZ_CHECK(request.method.size() + request.target.size() <= limits.header);
  std::size_t field_bytes = 0;
  for (const auto& [name, value] : request.fields) {
    FUZZ_CHECK(!name.empty());
    FUZZ_CHECK(!has_control_breaking_a_head(name) && !has_control_breaking_a_head(value));
    FUZZ_CHECK(name.find_first_of(" \t:") == std::string::npos);
    field_bytes += name.size() + value.size();
  }
  FUZZ_CHECK(field_bytes <= limits.header);
  FUZZ_CHECK(request.body.size() <= limits.body);
  if (auto length = parser.content_length()) {
    FUZZ_CHECK(!request.chunked);
    FUZZ_CHECK(request.body.size() == *length);
  } else if (!request.chunked) {
    FUZZ_CHECK(request.body.empty());  // a request without framing has no body
  }
}

// Reads one connection's requests as the session does, until it would close.
Reading read_connection(const std::vector<std::string_view>& pieces, const Limits& limits) {
  Reading reading;
  Reads reads(pieces);
  std::string buffer;
  for (int i = 0; i < kMaxPipelined; ++i) {
    if (buffer.empty() && !reads.read_into(buffer)) {
      reading.end = "closed between requests";
      return reading;
    }
    RequestParser parser(tollgate::core::kJsonPadding);
    parser.header_limit(limits.header);
    parser.body_limit(limits.body);
    auto ec = read_part(parser, buffer, reads, true);
    if (!ec) ec = read_part(parser, buffer, reads, false);
    if (ec) {
      reading.end = "error";
      reading.error = ec.message();
      return reading;
    }
    Request request{parser.method, parser.target,       {},
                    parser.body,   parser.keep_alive(), parser.chunked()};
    for (const auto& field : parser.headers) {
      request.fields.emplace_back(std::string(field.name), std::string(field.value));
    }
    check_request(parser, request, limits);
    reading.requests.push_back(std::move(request));
    if (!reading.requests.back().keep_alive) {
      reading.end = "not keep-alive";
      return reading;
    }
  }
  reading.end = "pipelining bound";
  return reading;
}

// For the report when two readings differ.
void print_reading(const char* label, const Reading& reading) {
  std::fprintf(stderr, "%s: %zu request(s), then %s %s\n", label, reading.requests.size(),
               reading.end.c_str(), reading.error.c_str());
  for (const Request& r : reading.requests) {
    std::fprintf(stderr, "  %s %s, %zu field(s), body %zu bytes%s%s\n", r.method.c_str(),
                 r.target.c_str(), r.fields.size(), r.body.size(), r.chunked ? ", chunked" : "",
                 r.keep_alive ? ", keep-alive" : "");
  }
}

void check_same(const Reading& at_once, const Reading& other, const char* label) {
  if (at_once == other) return;
  print_reading("read at once", at_once);
  print_reading(label, other);
  FUZZ_CHECK(at_once == other);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Limits session{kSessionHeaderLimit, kSessionBodyLimit};

  std::vector<std::string_view> whole;
  if (size > 0) whole.push_back(bytes);  // a read of nothing is the end of the stream
  Reading at_once = read_connection(whole, session);
  std::uint64_t seed = tollgate::fuzz::hash_bytes(bytes);
  Reading in_pieces = read_connection(tollgate::fuzz::cut_into_pieces(bytes, seed), session);
  check_same(at_once, in_pieces, "read in pieces");
  if (size <= 2048) {  // a byte per read: slowloris (and quadratic rescans) on big inputs
    std::vector<std::string_view> bytewise;
    for (std::size_t i = 0; i < size; ++i) bytewise.push_back(bytes.substr(i, 1));
    check_same(at_once, read_connection(bytewise, session), "read a byte at a time");
  }

  // Limits small enough for the inputs to reach: max_body_bytes is the operator's.
  read_connection(whole, Limits{512, 64});
  return 0;
}
