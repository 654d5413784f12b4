// Structured logs: one JSON object per line on stdout, written with one write() each.
#include "gateway/core/log.h"

#include "gateway/core/errors.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace tollgate::core {

namespace {
std::atomic<LogLevel> g_level{LogLevel::info};

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}
}  // namespace

void set_log_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

namespace {

// {"time":"2026-11-25T10:00:00.123Z","level":"info", then the caller's fields, then }.
void write_line(LogLevel level, std::string_view fields) {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line = R"({"time":")";
  line.append(stamp, n);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
  line += ms;
  line += R"(","level":")";
  line += level_name(level);
  line += "\",";
  line += fields;
  line += "}\n";
  // One write per line: lines from different threads never interleave.
  ssize_t rc = ::write(STDOUT_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace

void log(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  std::string fields = R"("msg":)";
  append_json_string(fields, message);
  write_line(level, fields);
}

bool log_enabled(LogLevel level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void log_fields(LogLevel level, std::string_view fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  write_line(level, fields);
}

}  // namespace tollgate::core
