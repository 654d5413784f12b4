// Times and durations as the audit and access lines and the logs print them, written
// without printf or strftime: each request prints a timestamp and up to three durations,
// and the format parsing showed in profiles (docs/performance.md).
#pragma once

#include <chrono>
#include <string>

namespace tollgate::core {

// "2026-11-25T10:00:00.123Z" (UTC, to the millisecond, truncated).
void append_iso_millis(std::string& out, std::chrono::system_clock::time_point t);
std::string iso_millis(std::chrono::system_clock::time_point t);

// Milliseconds with three decimals, rounded to the microsecond: 812.4 ms -> "812.400",
// -0.5 ms -> "-0.500".
void append_millis(std::string& out, std::chrono::nanoseconds d);

}  // namespace tollgate::core
