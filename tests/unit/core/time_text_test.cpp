// Timestamps and durations as the audit line, the access line and the logs print them.
#include <catch2/catch.hpp>

#include <chrono>

#include "gateway/core/time_text.h"

using namespace std::chrono;
using tollgate::core::append_millis;
using tollgate::core::iso_millis;

TEST_CASE("iso timestamps: UTC to the millisecond, truncated", "[core]") {
  CHECK(iso_millis(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  auto leap = sys_days{year{2024} / February / 29} + hours{23} + minutes{59} + seconds{59} +
              milliseconds{999} + microseconds{999};
  CHECK(iso_millis(time_point_cast<system_clock::duration>(leap)) == "2024-02-29T23:59:59.999Z");
  auto later = sys_days{year{2026} / December / 4} + hours{9} + minutes{5} + milliseconds{7};
  CHECK(iso_millis(time_point_cast<system_clock::duration>(later)) == "2026-12-04T09:05:00.007Z");
}

TEST_CASE("durations: milliseconds with three decimals, rounded to the microsecond", "[core]") {
  auto text = [](nanoseconds d) {
    std::string out;
    append_millis(out, d);
    return out;
  };
  CHECK(text(nanoseconds{0}) == "0.000");
  CHECK(text(microseconds{812400}) == "812.400");
  CHECK(text(nanoseconds{1499}) == "0.001");
  CHECK(text(nanoseconds{1500}) == "0.002");
  CHECK(text(seconds{90}) == "90000.000");
  CHECK(text(-microseconds{500}) == "-0.500");
}
