// The access log, buffered like nginx's `access_log ... buffer=64k flush=1s`: each request
// thread appends its line to its own buffer (observability/line_queue.h), and one thread
// writes them to stdout, one write() per buffer, when a buffer passes 64 KiB, a second
// after the first line waiting, and at shutdown. Lines are never torn: they go out whole,
// under the same lock as every other log line. A crash loses at most the last second.
// When stdout does not take them (a full pipe nobody reads), a thread's buffer stops at
// kMaxBufferBytes and lines past it are dropped and counted (logged once it moves again),
// rather than holding requests or memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/core/log.h"
#include "observability/line_queue.h"

namespace tollgate::observability {

class AccessLog {
 public:
  static constexpr std::size_t kBufferBytes = 64 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{1000};
  static constexpr std::size_t kMaxBufferBytes = 4u << 20;

  AccessLog();
  ~AccessLog();  // writes out what is buffered
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // `fields`: serialized JSON members, as core::log_fields takes them.
  void write(core::LogLevel level, std::string_view fields);
  // Blocks until every line written so far is on stdout.
  void flush();

 private:
  void writer_loop();

  LineQueue queue_{LineQueue::Options{
      .delay = kFlushInterval, .batch_bytes = kBufferBytes, .max_shard_bytes = kMaxBufferBytes}};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace tollgate::observability
