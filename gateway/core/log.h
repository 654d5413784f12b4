// Structured logging: one JSON object per line on stdout ({"time","level","msg"} or the
// caller's fields), written whole under one lock so lines from different threads never
// interleave. Never pass a secret here.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::core {

enum class LogLevel { debug, info, warn, error };

void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view message);
// A line of `fields`: already-serialized JSON members (`"type":"access","status":200`).
void log_fields(LogLevel level, std::string_view fields);
bool log_enabled(LogLevel level);
// For a buffered log (the access log): appends the line log_fields() would write, without
// its '\n', to `out`; and writes whole lines (each ending in '\n') to stdout under the
// same lock as every other log line, so that no line lands inside another.
void append_log_line(std::string& out, LogLevel level, std::string_view fields);
void write_log_lines(std::string_view lines);

inline void log_info(std::string_view m) {
  log(LogLevel::info, m);
}
inline void log_warn(std::string_view m) {
  log(LogLevel::warn, m);
}
inline void log_error(std::string_view m) {
  log(LogLevel::error, m);
}

}  // namespace tollgate::core
