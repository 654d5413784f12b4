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
  // The common case: lines are already waiting and the writer knows; nothing to do.
  if (full || !pending_.load()) wake(full);
  return true;
}

void LineQueue::wake(bool full) {
  if (!full && pending_.exchange(true)) return;  // another thread told the writer
  {
    // Taken so that the writer, between checking and sleeping, cannot miss the news.
    std::lock_guard lock(mutex_);
    pending_.store(true);
    if (full) turn_now_ = true;
  }
  wake_.notify_one();
}

LineQueue::Turn LineQueue::wait(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  Clock::time_point batch_due = Clock::time_point::max();
  for (;;) {
    if (stop_ || turn_now_ || flush_asked_ > flush_done_) break;
    Clock::time_point now = Clock::now();
    if (pending_.load() && batch_due == Clock::time_point::max()) {
      batch_due = now + options_.delay;  // the first line waits at most `delay`
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
  // Before take(): a line pushed from here on wakes the writer again.
  pending_.store(false);
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
