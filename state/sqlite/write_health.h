// What writes to a durable file have met, kept for /metrics and /readyz: failed attempts
// by reason, and whether the last attempt worked. The first failure of an outage is
// logged with its real error, and so is its end; the attempts in between are only
// counted (one line per flush would bury everything else in the log).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tollgate::state {

// Why a write failed; the `reason` label of tollgate_state_write_errors_total.
enum class WriteFailure {
  disk_full,   // ENOSPC, EDQUOT, EFBIG, SQLITE_FULL
  read_only,   // EPERM, EACCES, EROFS (chattr +i, permissions, a read-only mount)
  io_error,    // EIO and every other I/O error
  db_missing,  // the file was deleted or replaced while open
  other,
};
inline constexpr std::size_t kWriteFailureKinds = 5;
std::string_view to_string(WriteFailure reason);

// A snapshot of a WriteHealth, plus what the store holds in memory meanwhile.
struct StoreHealth {
  bool writable = true;  // false from a failed write until one succeeds
  std::string error;     // the real error of the current outage; empty when writable
  std::array<std::uint64_t, kWriteFailureKinds> write_errors{};  // failed attempts, by reason
  std::size_t unwritten_usage_rows = 0;  // usage held in memory, waiting for the file
  std::uint64_t dropped_usage_rows = 0;  // usage that did not fit in memory: lost
};

class WriteHealth {
 public:
  // `what` names the file in log lines ("state: data/tollgate.db").
  explicit WriteHealth(std::string what) : what_(std::move(what)) {}

  // Counts a failed attempt; logs `error` when it starts an outage.
  void failed(WriteFailure reason, const std::string& error);
  // Counts an event that is not an outage by itself (a deleted file noticed, and written
  // again): the caller logs it.
  void count(WriteFailure reason) {
    errors_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  // Ends an outage (logged, with how many attempts failed in it); cheap when none.
  void succeeded();
  bool writable() const { return writable_.load(std::memory_order_acquire); }
  StoreHealth snapshot() const;

 private:
  std::string what_;
  std::atomic<bool> writable_{true};
  std::array<std::atomic<std::uint64_t>, kWriteFailureKinds> errors_{};
  mutable std::mutex mutex_;  // error_ and the outage's count
  std::string error_;
  std::uint64_t outage_failures_ = 0;
};

}  // namespace tollgate::state
