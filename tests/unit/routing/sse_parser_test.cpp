// SSE framing: events complete at blank lines however the bytes were cut.
#include <catch2/catch.hpp>

#include "gateway/core/failure.h"
#include "routing/providers/common/sse_parser.h"

using namespace tollgate;
using routing::providers::SseParser;

TEST_CASE("events split across reads are reassembled") {
  SseParser parser;
  std::vector<core::Chunk> out;
  parser.feed("data: {\"a\"", out);
  REQUIRE(out.empty());
  parser.feed(":1}\n", out);
  REQUIRE(out.empty());
  parser.feed("\ndata: [DONE]\n\n", out);
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].data == "{\"a\":1}");
  REQUIRE(out[1].is_done());
  REQUIRE(parser.pending() == 0);
}

TEST_CASE("CRLF, event names, comments and multi-line data") {
  SseParser parser;
  std::vector<core::Chunk> out;
  parser.feed(": keep-alive\r\n\r\nevent: message_start\r\ndata: a\r\ndata: b\r\n\r\n", out);
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].event == "message_start");
  REQUIRE(out[0].data == "a\nb");
}

TEST_CASE("one read carrying many events yields them all in order") {
  SseParser parser;
  std::vector<core::Chunk> out;
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += "data: " + std::to_string(i) + "\n\n";
  parser.feed(bytes, out);
  REQUIRE(out.size() == 100);
  REQUIRE(out[99].data == "99");
}

TEST_CASE("any mix of line endings ends an event at its blank line") {
  for (std::string_view stream :
       {"data: a\n\ndata: b\r\n\r\n", "data: a\r\n\ndata: b\n\r\n", "data: a\r\rdata: b\r\n\r"}) {
    SseParser parser;
    std::vector<core::Chunk> out;
    // Byte by byte: a CR at the end of a read is decided by the next byte.
    for (char c : stream) parser.feed(std::string_view(&c, 1), out);
    INFO(stream);
    // The last stream's final CR may still be a CRLF: its event waits for the next byte.
    REQUIRE(out.size() >= 1);
    CHECK(out[0].data == "a");
    if (out.size() == 2) CHECK(out[1].data == "b");
  }
}

TEST_CASE("an event that never ends fails the stream past its bound, not the gateway's memory") {
  SseParser parser;
  std::vector<core::Chunk> out;
  std::string piece(1024 * 1024, 'x');
  parser.feed("data: ", out);
  bool failed = false;
  for (int i = 0; i < 32 && !failed; ++i) {
    try {
      parser.feed(piece, out);
    } catch (const core::UpstreamError& e) {
      failed = true;
      CHECK(e.failure() == core::FailureClass::server_error);
      CHECK(i >= 15);  // not before 16 MiB
    }
  }
  CHECK(failed);
  CHECK(out.empty());
}

TEST_CASE("events keep coming right after a long one was dribbled in") {
  SseParser parser;
  std::vector<core::Chunk> out;
  std::string big = "data: " + std::string(300000, 'y');
  for (std::size_t at = 0; at < big.size(); at += 7) parser.feed(big.substr(at, 7), out);
  parser.feed("\n\ndata: next\n\n", out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].data.size() == 300000);
  CHECK(out[1].data == "next");
  CHECK(parser.pending() == 0);
}

// Found by tests/fuzz/sse_parser_fuzz.cpp: a CR inside what the parser took for one line
// reached the client as it was, and a client (CR ends a line there too) read another
// event than the one stages had inspected.
TEST_CASE("a lone CR ends a line, as the event-stream format says") {
  SseParser parser;
  std::vector<core::Chunk> out;
  parser.feed("event: ping\rdata: injected\n\ndata: a\rdata: b\n\n", out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].event == "ping");
  CHECK(out[0].data == "injected");
  CHECK(out[1].data == "a\nb");
}
