// SSE framing: events complete at blank lines however the bytes were cut.
#include <catch2/catch.hpp>

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
