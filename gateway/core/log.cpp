// Structured logs: one JSON object per line on stdout, each written whole under one lock.
#include "gateway/core/log.h"

#include "gateway/core/errors.h"
#include "gateway/core/time_text.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <mutex>
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

std::mutex g_stdout;  // held while a line (or a buffer of whole lines) is written

}  // namespace

// {"time":"2026-11-25T10:00:00.123Z","level":"info", then the caller's fields, then }.
void append_log_line(std::string& out, LogLevel level, std::string_view fields) {
  out += R"({"time":")";
  append_iso_millis(out, std::chrono::system_clock::now());
  out += R"(","level":")";
  out += level_name(level);
  out += "\",";
  out += fields;
  out += '}';
}

void write_log_lines(std::string_view lines) {
  std::lock_guard lock(g_stdout);
  while (!lines.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, lines.data(), lines.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: dropped, as a log line must not fail a request
    lines.remove_prefix(static_cast<std::size_t>(n));
  }
}

namespace {

void write_line(LogLevel level, std::string_view fields) {
  std::string line;
  append_log_line(line, level, fields);
  line += '\n';
  write_log_lines(line);
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
