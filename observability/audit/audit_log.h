// The audit log: one JSON line per request, each carrying the SHA-256 of the line before
// it ("prev"), so an edited, removed or reordered line breaks the chain that
// `tollgate audit verify` checks, across rotated files. Lines are queued by the request
// path and written by one thread (no disk wait in a request), fsync'd every
// fsync_interval; a batch goes out in one write(), so kill -9 never tears a line.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/config.h"

namespace tollgate::observability {

struct AuditConfig {
  std::string path;  // empty: no audit log
  std::chrono::milliseconds fsync_interval{1000};
  std::uint64_t max_bytes = 100ull * 1024 * 1024;              // rotate past this size...
  std::chrono::milliseconds max_age = std::chrono::hours(24);  // ...or this age
  bool include_bodies = false;
};

// Reads `audit:` (absent: no audit log). Throws core::ConfigError.
AuditConfig read_audit_config(const core::Config& config);

// "0000…" (64 zeros): the `prev` of the very first line.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

class AuditLog {
 public:
  // Opens (creating directories) and continues the chain of an existing file; a torn
  // last line (a crash mid-write, or a power loss) is cut off first. Throws on errors.
  explicit AuditLog(AuditConfig config);
  // Writes and fsyncs everything queued.
  ~AuditLog();

  const AuditConfig& config() const { return config_; }
  // `record` is a JSON object ("{...}"); the writer adds "prev" as its first member.
  void append(std::string record);
  // Blocks until everything appended so far is written and fsync'd.
  void flush();

 private:
  void writer_loop();
  void write_batch(std::vector<std::string>& batch);
  void open_file();
  void rotate();
  void sync();

  AuditConfig config_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::chrono::system_clock::time_point opened_;
  std::string prev_hash_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::vector<std::string> queue_;
  std::uint64_t appended_ = 0, written_ = 0;
  bool stopping_ = false;
  std::atomic<bool> dirty_{false};  // written but not yet fsync'd (read by flush())
  std::thread writer_;
};

// Checks the chain over `files` in order. Returns the number of whole lines checked;
// throws std::runtime_error("FILE:LINE: why") at the first break. A torn last line of
// the last file is ignored (reported through `torn_tail`).
struct VerifyResult {
  std::uint64_t lines = 0;
  std::string first_prev, last_hash;
  bool torn_tail = false;
};
VerifyResult verify_audit_files(const std::vector<std::string>& files);

}  // namespace tollgate::observability
