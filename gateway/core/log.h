// Structured logging: one JSON object per line on stdout ({"time","level","msg"} or the
// caller's fields), written with a single write() so lines from different threads never
// interleave. Never pass a secret here.
#pragma once

#include <string_view>

namespace tollgate::core {

enum class LogLevel { debug, info, warn, error };

void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view message);
// A line of `fields`: already-serialized JSON members (`"type":"access","status":200`).
void log_fields(LogLevel level, std::string_view fields);
bool log_enabled(LogLevel level);

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
