// The audit log: one JSON line per request, each carrying the SHA-256 of the line before
// it ("prev"), so an edited, removed or reordered line breaks the chain that
// `tollgate audit verify` checks, across rotated files. Lines are queued by the request
// path, each thread on its own (observability/line_queue.h), and written by one thread in
// group commits: a batch of whatever came in during the last kWriteDelay goes out in one
// write() (so kill -9 never tears a line and loses at most that delay), and the file is
// fsync'd every fsync_interval (a power cut loses at most that) and at shutdown.
//
// When the file refuses writes (a full disk, an immutable file), records are held in
// memory up to kMaxHeldBytes and written when it takes them again; records past that are
// lost, counted, and the chain gets a record of the gap ("event":"audit_gap": how many,
// from when to when) before the next lines, so verify can say so.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/config.h"
#include "observability/line_queue.h"

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

// What the writer has met, for /metrics.
struct AuditHealth {
  bool writable = true;                 // false from a failed write until one works
  std::uint64_t write_errors = 0;       // failed open, write and fsync calls
  std::uint64_t records_lost = 0;       // records that never reached the file
  std::uint64_t records_unwritten = 0;  // held in memory now, waiting for the file
};

class AuditLog {
 public:
  // Records held in memory while the file refuses writes: ~16,000 lines without bodies,
  // minutes of traffic for most gateways; a bound, so an outage cannot exhaust memory.
  static constexpr std::size_t kMaxHeldBytes = 8u << 20;
  // How long a record may wait for its batch (less when fsync_interval is shorter): the
  // writer wakes at most once per this delay under load, never per record.
  static constexpr std::chrono::milliseconds kWriteDelay{25};

  // Opens (creating directories) and continues the chain of an existing file, reading
  // only its tail; a torn last line (a crash mid-write, or a power loss) is cut off
  // first. Throws on errors.
  explicit AuditLog(AuditConfig config);
  // Writes and fsyncs everything queued (and logs what could not be written).
  ~AuditLog();

  // A reload: a new fsync interval and rotation thresholds, taken by the writer at a turn
  // it takes at once (the path, and so the chain, stays: it takes a restart). Does not
  // wait for the writer, which may be stuck in a write() or an fsync.
  void retune(const AuditConfig& next);
  // `record` is a JSON object ("{...}", on one line); the writer adds "prev" as its first
  // member.
  void append(std::string_view record);
  // Blocks until everything appended so far has been written and fsync'd, or held
  // after a failed write.
  void flush();
  AuditHealth health() const;

 private:
  // What waits for the file, in order: records, and gaps where records did not fit (a
  // gap is written as one record saying how many).
  struct Held {
    std::string record;      // empty for a gap
    std::uint64_t lost = 0;  // > 0: a gap of this many records
    std::chrono::system_clock::time_point first_lost, last_lost;
  };

  void writer_loop();
  void hold(std::string_view records);
  void write_batch(std::string_view records);
  std::string gap_record(const Held& gap) const;
  bool open_file();
  void rotate();
  void sync();
  void failed(int error, const char* doing);
  void succeeded();

  // What retune() asked for, taken by the writer thread, which alone reads config_'s
  // fsync_interval and rotation thresholds. False: nothing was asked.
  bool take_tuning();

  AuditConfig config_;
  std::mutex tuning_mutex_;
  std::optional<AuditConfig> tuning_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::chrono::system_clock::time_point opened_;
  std::string prev_hash_;

  // The writer thread's own (below, to failing_).
  std::deque<Held> held_;
  std::size_t held_bytes_ = 0, held_records_ = 0;
  bool failing_ = false;
  std::string failure_;  // the error that started the outage
  std::uint64_t outage_failures_ = 0;
  std::chrono::steady_clock::time_point last_attempt_;

  bool dirty_ = false;       // written but not yet fsync'd
  std::string batch_, out_;  // the writer's buffers, reused

  LineQueue queue_;
  std::atomic<std::uint64_t> write_errors_{0}, records_lost_{0}, records_unwritten_{0};
  std::atomic<bool> writable_{true};
  std::thread writer_;
};

// Checks the chain over `files` in order (one line in memory at a time). Throws
// std::runtime_error("FILE:LINE: why") at the first break. A torn last line of the last
// file is ignored (reported through `torn_tail`). Gap records are not breaks: the chain
// runs through them; they are listed so that the loss is never silent.
struct AuditGap {
  std::string where;  // FILE:LINE of the gap record
  std::uint64_t lost_records = 0;
  std::string first_lost_at, last_lost_at;
};
struct VerifyResult {
  std::uint64_t lines = 0;
  std::string first_prev, last_hash;
  bool torn_tail = false;
  std::vector<AuditGap> gaps;
  std::uint64_t lost_records = 0;  // the sum over gaps
};
VerifyResult verify_audit_files(const std::vector<std::string>& files);

}  // namespace tollgate::observability
