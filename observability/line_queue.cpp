#include "observability/line_queue.h"

#include <algorithm>

namespace tollgate::observability {

std::size_t LineQueue::shard_index() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return index;
}

bool LineQueue::push(std::string_view line) {
  Shard& shard = shards_[shard_index()];
  bool full = false;
  {
    Clock::rep pushed = Clock::now().time_since_epoch().count();
    std::lock_guard lock(shard.mutex);
    std::string& bytes = shard.lines.bytes;
    if (options_.max_shard_bytes > 0 && bytes.size() + line.size() >= options_.max_shard_bytes) {
      return false;
    }
    bytes.append(line);
    bytes.push_back('\n');
    shard.lines.marks.push_back(Mark{pushed, bytes.size()});
    if (bytes.size() >= options_.batch_bytes && !shard.full_signalled) {
      shard.full_signalled = true;
      full = true;
    }
  }
  if (full) {
    wake(true);
    return true;
  }
  // The common case: lines are already waiting and the writer knows; nothing to do. The
  // first line since the writer's last turn tells it, with a wake-up only when the writer
  // sleeps until told: while lines keep coming it turns every `delay` by itself (polling_).
  if (pending_.load(std::memory_order_relaxed) || pending_.exchange(true)) return true;
  if (!polling_.load()) wake(false);
  return true;
}

void LineQueue::wake(bool full) {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  {
    // Taken so that the writer, between checking and sleeping, cannot miss the news.
    std::lock_guard lock(mutex_);
    pending_.store(true);
    if (full) turn_now_ = true;
  }
  wake_.notify_one();
}

// After a turn that took lines the writer polls: its next turn is due `delay` later, lines
// or not, so the lines that come meanwhile need no wake-up (a futex wake and a switch to
// this thread, ~100 a second under load). A polled turn that finds nothing ends the
// polling, and the writer sleeps until a line tells it (an idle gateway has no wake-ups).
// push() sets pending_ then reads polling_; this clears polling_ then reads pending_: one
// of the two sees the other's store (both sequentially consistent), so no line is left
// waiting for a wake-up that never comes.
LineQueue::Turn LineQueue::wait(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  Clock::time_point batch_due =
      polling_.load() ? Clock::now() + options_.delay : Clock::time_point::max();
  for (;;) {
    if (stop_ || turn_now_ || flush_asked_ > flush_done_) break;
    Clock::time_point now = Clock::now();
    if (pending_.load() && batch_due == Clock::time_point::max()) {
      batch_due = now + options_.delay;  // the first line waits at most `delay`
    }
    if (now >= batch_due && !pending_.load() && polling_.load()) {
      polling_.store(false);       // a polled turn with nothing to take: sleep until told
      if (pending_.load()) break;  // a line came meanwhile, and did not wake us
      batch_due = Clock::time_point::max();
      continue;
    }
    Clock::time_point deadline = std::min(batch_due, until);
    if (now >= deadline) break;
    if (deadline == Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, deadline);
    }
  }
  turn_now_ = false;
  // Before take(): a line pushed from here on counts for the next turn, which is due by
  // itself when this one has lines to take.
  polling_.store(pending_.exchange(false));
  return Turn{stop_, flush_asked_ > flush_done_ ? flush_asked_ : 0};
}

void LineQueue::take(std::string& out) {
  std::size_t filled = 0, last = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    Lines& taken = taken_[i];
    taken.bytes.clear();
    taken.marks.clear();
    std::lock_guard lock(shard.mutex);
    if (shard.lines.marks.empty()) continue;
    std::swap(taken, shard.lines);  // the shard gets the taken buffers' capacity back
    shard.full_signalled = false;
    ++filled;
    last = i;
  }
  if (filled == 1) {  // one thread's lines: already in order
    out.append(taken_[last].bytes);
    return;
  }
  pieces_.clear();
  for (std::size_t i = 0; i < kShards; ++i) {
    std::size_t begin = 0;
    for (const Mark& mark : taken_[i].marks) {
      pieces_.push_back(Piece{mark.pushed, static_cast<std::uint32_t>(i), begin, mark.end});
      begin = mark.end;
    }
  }
  // Stable: a thread's lines keep their order even with equal times.
  std::stable_sort(pieces_.begin(), pieces_.end(),
                   [](const Piece& a, const Piece& b) { return a.pushed < b.pushed; });
  for (const Piece& piece : pieces_) {
    out.append(taken_[piece.shard].bytes, piece.begin, piece.end - piece.begin);
  }
}

void LineQueue::flushed(std::uint64_t ticket) {
  {
    std::lock_guard lock(mutex_);
    flush_done_ = std::max(flush_done_, ticket);
  }
  flushed_.notify_all();
}

bool LineQueue::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::uint64_t ticket = ++flush_asked_;
  wake_.notify_one();
  return flushed_.wait_for(lock, timeout, [&] { return flush_done_ >= ticket; });
}

void LineQueue::nudge() {
  {
    std::lock_guard lock(mutex_);
    turn_now_ = true;
  }
  wake_.notify_one();
}

void LineQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
}

}  // namespace tollgate::observability
