// traceparent parsing per W3C Trace Context: what is taken, what starts a new trace.
#include <catch2/catch.hpp>

#include "gateway/core/hex_id.h"
#include "gateway/core/random_hex.h"
#include "observability/tracing/trace_context.h"

using namespace tollgate;
using namespace tollgate::observability;

TEST_CASE("a valid traceparent is taken apart") {
  auto t = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(t);
  REQUIRE(t->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  REQUIRE(t->parent_id == "00f067aa0ba902b7");
  REQUIRE(t->flags == "01");
  // A future version is read by its version-00 prefix.
  REQUIRE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST_CASE("malformed traceparents start a new trace") {
  for (const char* bad : {
           "",
           "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // v00 is exact
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero parent
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // upper case
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       }) {
    INFO(bad);
    REQUIRE_FALSE(parse_traceparent(bad));
  }
}

TEST_CASE("new ids are random lowercase hex, held inline; parsed ones are copied in") {
  core::HexId<32> trace;
  core::HexId<16> span;
  REQUIRE(trace.empty());
  core::write_random_hex(trace.fill());
  core::write_random_hex(span.fill());
  REQUIRE(trace.view().size() == 32);
  REQUIRE(span.view().size() == 16);
  REQUIRE(trace.view().find_first_not_of("0123456789abcdef") == std::string_view::npos);
  REQUIRE(parse_traceparent(format_traceparent(trace, span, "01")));
  core::HexId<32> other;
  core::write_random_hex(other.fill());
  REQUIRE(other.view() != trace.view());
  auto parsed = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(parsed);
  trace = parsed->trace_id;
  REQUIRE(trace.view() == "4bf92f3577b34da6a3ce929d0e0e4736");
}
