#include "observability/access_log.h"

namespace tollgate::observability {

AccessLog::AccessLog() : writer_([this] { writer_loop(); }) {}

AccessLog::~AccessLog() {
  queue_.stop();
  writer_.join();
}

void AccessLog::write(core::LogLevel level, std::string_view fields) {
  // Formatted in a buffer of the thread's own, reused: no allocation per line.
  thread_local std::string line;
  line.clear();
  core::append_log_line(line, level, fields);
  if (!queue_.push(line)) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void AccessLog::flush() {
  queue_.flush(std::chrono::seconds(30));
}

void AccessLog::writer_loop() {
  std::string lines;
  for (;;) {
    LineQueue::Turn turn = queue_.wait(LineQueue::Clock::time_point::max());
    lines.clear();
    queue_.take(lines);
    if (!lines.empty()) core::write_log_lines(lines);
    if (std::uint64_t dropped = dropped_.exchange(0, std::memory_order_relaxed); dropped > 0) {
      core::log_warn("access log: " + std::to_string(dropped) +
                     " line(s) dropped: stdout did not take them (a full pipe?)");
    }
    if (turn.flush_ticket > 0) queue_.flushed(turn.flush_ticket);
    if (turn.stop) break;
  }
}

}  // namespace tollgate::observability
