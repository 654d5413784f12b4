// The HTTP parser both hops use, fed whole messages without sockets: the framing it
// refuses (request smuggling: Transfer-Encoding beside Content-Length, codings other
// than chunked, obs-fold), chunk extensions over their bound, and trailers kept out of
// the head.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include "gateway/http/message_parser.h"

using tollgate::gateway::kMaxChunkExtensionBytes;
using tollgate::gateway::RequestParser;
using tollgate::gateway::ResponseParser;
namespace http = boost::beast::http;

namespace {

// Feeds `text` as one read would, then as many more as the parser asks for; returns the
// error, or need_more when the message is incomplete.
template <typename Parser>
boost::beast::error_code parse(Parser& parser, std::string_view text) {
  parser.eager(true);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    std::size_t used = parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    text.remove_prefix(used);
    if (ec) return ec;
    if (used == 0) return http::error::need_more;
  }
  return ec;
}

std::string request(std::string_view version, std::string_view fields, std::string_view body) {
  std::string text = "POST /v1/chat/completions HTTP/";
  text += version;
  text += "\r\nhost: x\r\n";
  text += fields;
  text += "\r\n";
  text += body;
  return text;
}

boost::beast::error_code parse_request(std::string_view fields, std::string_view body,
                                       std::string_view version = "1.1") {
  RequestParser parser;
  return parse(parser, request(version, fields, body));
}

}  // namespace

TEST_CASE("a chunked request with a short extension and a trailer parses") {
  RequestParser parser;
  auto ec = parse(parser, request("1.1", "transfer-encoding: chunked\r\n",
                                  "5;name=value\r\nhello\r\n0\r\nx-trailer: 1\r\n\r\n"));
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_done());
  REQUIRE(parser.body == "hello");
  REQUIRE(parser.refusal.empty());
}

TEST_CASE("trailer fields never join the head") {
  RequestParser parser;
  auto ec = parse(parser, request("1.1", "transfer-encoding: chunked\r\n",
                                  "5\r\nhello\r\n0\r\nx-request-id: from-trailer\r\n"
                                  "authorization: Bearer smuggled\r\n\r\n"));
  REQUIRE_FALSE(ec);
  REQUIRE_FALSE(parser.headers.has("x-request-id"));
  REQUIRE_FALSE(parser.headers.has("authorization"));
}

TEST_CASE("Transfer-Encoding beside Content-Length is refused, in either order") {
  // Beast frames `xchunked` followed by a length by the length: the smuggling case.
  for (std::string_view fields : {"transfer-encoding: xchunked\r\ncontent-length: 5\r\n",
                                  "content-length: 5\r\ntransfer-encoding: xchunked\r\n",
                                  "transfer-encoding: chunked\r\ncontent-length: 5\r\n",
                                  "content-length: 5\r\ntransfer-encoding: chunked\r\n"}) {
    CAPTURE(fields);
    REQUIRE(parse_request(fields, "hello"));
  }
  RequestParser parser;
  REQUIRE(parse(parser, request("1.1", "transfer-encoding: xchunked\r\ncontent-length: 5\r\n",
                                "hello")) == http::error::bad_transfer_encoding);
  REQUIRE(parser.refusal == "both Transfer-Encoding and Content-Length");
}

TEST_CASE("any transfer coding but chunked alone is refused") {
  // `chunked, gzip` was read as a request without a body: its body became the next request.
  for (std::string_view fields :
       {"transfer-encoding: xchunked\r\n", "transfer-encoding: chunked, gzip\r\n",
        "transfer-encoding: gzip, chunked\r\n",
        "transfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n",
        "transfer-encoding: identity\r\n", "transfer-encoding: \r\n",
        "transfer-encoding: chunked;q=1\r\n"}) {
    CAPTURE(fields);
    REQUIRE(parse_request(fields, "5\r\nhello\r\n0\r\n\r\n") == http::error::bad_transfer_encoding);
  }
  for (std::string_view fields :
       {"transfer-encoding: Chunked\r\n", "transfer-encoding:  chunked \r\n",
        "transfer-encoding: , chunked\r\n"}) {
    CAPTURE(fields);
    REQUIRE_FALSE(parse_request(fields, "5\r\nhello\r\n0\r\n\r\n"));
  }
}

TEST_CASE("Transfer-Encoding in an HTTP/1.0 request is refused") {
  REQUIRE(parse_request("transfer-encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n", "1.0") ==
          http::error::bad_transfer_encoding);
  REQUIRE_FALSE(parse_request("content-length: 5\r\n", "hello", "1.0"));
}

TEST_CASE("a folded field value is refused") {
  for (std::string_view fields :
       {"x-a: one\r\n two\r\ncontent-length: 5\r\n", "x-a:\r\n two\r\ncontent-length: 5\r\n",
        "transfer-encoding: x\r\n\tchunked\r\n", "x-a: one\r\n \r\ncontent-length: 5\r\n"}) {
    CAPTURE(fields);
    RequestParser parser;
    REQUIRE(parse(parser, request("1.1", fields, "hello")) == http::error::bad_value);
    REQUIRE(parser.refusal.starts_with("obsolete line folding"));
  }
  // Blanks around a value, and an empty value, are not folds.
  RequestParser parser;
  REQUIRE_FALSE(
      parse(parser,
            request("1.1", "x-a: \t one \t\r\nx-b:\r\nx-c:   \r\ncontent-length: 5\r\n", "hello")));
  REQUIRE(parser.headers.get("x-a") == "one");
  REQUIRE(parser.headers.has("x-b"));
}

TEST_CASE("a chunk extension over its bound is refused") {
  std::string fits =
      "5;a=" + std::string(kMaxChunkExtensionBytes - 3, 'b') + "\r\nhello\r\n0\r\n\r\n";
  REQUIRE_FALSE(parse_request("transfer-encoding: chunked\r\n", fits));
  std::string over =
      "5;a=" + std::string(kMaxChunkExtensionBytes - 2, 'b') + "\r\nhello\r\n0\r\n\r\n";
  REQUIRE(parse_request("transfer-encoding: chunked\r\n", over) ==
          http::error::bad_chunk_extension);
  std::string last = "5\r\nhello\r\n0;a=" + std::string(kMaxChunkExtensionBytes, 'b') + "\r\n\r\n";
  REQUIRE(parse_request("transfer-encoding: chunked\r\n", last) ==
          http::error::bad_chunk_extension);
}

TEST_CASE("a provider's answer with Transfer-Encoding beside Content-Length is refused") {
  ResponseParser parser;
  auto ec = parse(parser, std::string_view("HTTP/1.1 200 OK\r\ntransfer-encoding: xchunked\r\n"
                                           "content-length: 2\r\n\r\n{}"));
  REQUIRE(ec == http::error::bad_transfer_encoding);
  ResponseParser fine;
  REQUIRE_FALSE(parse(fine, std::string_view("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                                             "2\r\n{}\r\n0\r\n\r\n")));
  REQUIRE(fine.body == "{}");
}
