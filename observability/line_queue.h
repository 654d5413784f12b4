// Lines handed from the request threads to one writer thread (the audit log's, the access
// log's) without a lock that all workers share, and without waking the writer per line:
// each thread appends to its own shard (a mutex only the writer also takes, once per
// batch), and the writer takes a turn once per `delay` while lines come in (woken by the
// first line after a quiet spell, then by its own clock), at once when a shard holds
// `batch_bytes`, or when a flush or the stop is asked. Each thread's
// lines keep their order; the lines of a batch are merged by the time they were pushed,
// so the output is in time order but for lines pushed while the batch was being taken.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::observability {

class LineQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds delay{25};  // how long a line may wait for its batch
    std::size_t batch_bytes = 64 * 1024;  // a shard this full wakes the writer at once
    std::size_t max_shard_bytes = 0;      // > 0: a line that would pass it is dropped
  };
  // What woke the writer, and what it must do with the batch it takes now.
  struct Turn {
    bool stop = false;
    std::uint64_t flush_ticket = 0;  // > 0: pass to flushed() once the batch is written
  };

  explicit LineQueue(Options options) : options_(options) {}
  LineQueue(const LineQueue&) = delete;
  LineQueue& operator=(const LineQueue&) = delete;

  // Appends `line` and a '\n' to the calling thread's shard. `line` holds no '\n'.
  // False: dropped, the shard is at max_shard_bytes (the writer is stuck).
  bool push(std::string_view line);

  // The writer: blocks until there is a batch to take (see above) or until `until` (work
  // of the writer's own: an fsync, a retry), whichever comes first.
  Turn wait(Clock::time_point until);
  // The writer: moves every shard's lines onto the end of `out` (whole lines), in the
  // order they were pushed.
  void take(std::string& out);
  // The writer: everything pushed before the flush with this ticket was asked is done.
  void flushed(std::uint64_t ticket);

  // Any thread: asks the writer to take and write everything pushed so far, and waits
  // until it has (false after `timeout`).
  bool flush(std::chrono::milliseconds timeout);
  // Any thread: the writer takes a turn now (to pick up work of its own, as a reload's new
  // settings), without waiting for it.
  void nudge();
  // Asks the writer to take what is left and stop (Turn::stop).
  void stop();

  // How many times push() woke the writer (tests: lines that come steadily wake it once).
  std::uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kShards = 32;
  // Where each line ends in `lines`, and when it was pushed.
  struct Mark {
    Clock::rep pushed;
    std::size_t end;
  };
  struct Lines {
    std::string bytes;
    std::vector<Mark> marks;
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    Lines lines;
    bool full_signalled = false;  // the writer was told this shard is full
  };
  // One line of a batch being merged: its shard (in taken_) and place there.
  struct Piece {
    Clock::rep pushed;
    std::uint32_t shard;
    std::size_t begin, end;
  };
  static std::size_t shard_index();
  void wake(bool full);

  const Options options_;
  std::array<Shard, kShards> shards_;
  std::array<Lines, kShards> taken_;  // the writer's: swapped with the shards' by take()
  std::vector<Piece> pieces_;         // the writer's
  // Lines are waiting and the writer has been told (read without the lock by push()).
  std::atomic<bool> pending_{false};
  // The writer's next turn is due by itself (see wait()): push() need not wake it.
  std::atomic<bool> polling_{false};
  std::atomic<std::uint64_t> wakeups_{0};

  std::mutex mutex_;  // the writer's wake-ups: taken per batch, never per line
  std::condition_variable wake_;
  std::condition_variable flushed_;
  bool turn_now_ = false, stop_ = false;  // turn_now_: a shard is full, or nudge()
  std::uint64_t flush_asked_ = 0, flush_done_ = 0;
};

}  // namespace tollgate::observability
