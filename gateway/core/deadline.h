// Timeouts without a timer per operation: whoever owns a socket records when its current
// operation must have finished, and one sweep per worker thread cancels the sockets whose
// deadline has passed. Beast's tcp_stream starts and cancels a timer around every read
// and write: a timer-queue insert, a cancel and a completion each, and half a kilobyte
// per connection. nginx's timers are as coarse as this sweep.
#pragma once

#include <time.h>

#include <chrono>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::core {

struct Deadline {
  using Clock = std::chrono::steady_clock;

  Clock::time_point at = Clock::time_point::max();

  // From the kernel's coarse monotonic clock (the same timeline as steady_clock, read
  // without the TSC, a few ms behind at most): a deadline is noticed by a sweep every
  // 100 ms anyway, and a request arms several.
  void arm(Clock::duration timeout) { at = coarse_now() + timeout; }
  void disarm() { at = Clock::time_point::max(); }
  bool passed(Clock::time_point now) const { return at <= now; }

  static Clock::time_point coarse_now() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return Clock::time_point(std::chrono::seconds(now.tv_sec) +
                             std::chrono::nanoseconds(now.tv_nsec));
  }
};

// How late a deadline may be noticed.
inline constexpr auto kDeadlineSweepInterval = std::chrono::milliseconds(100);

// Calls `visit(now)` every kDeadlineSweepInterval on `executor`, until destroyed. The
// owner walks its sockets there and cancels the ones whose Deadline has passed.
class DeadlineSweep {
 public:
  using Visitor = std::function<void(Deadline::Clock::time_point now)>;

  DeadlineSweep(const boost::asio::any_io_executor& executor, Visitor visit);
  ~DeadlineSweep();
  DeadlineSweep(const DeadlineSweep&) = delete;
  DeadlineSweep& operator=(const DeadlineSweep&) = delete;

 private:
  void schedule();

  boost::asio::steady_timer timer_;
  Visitor visit_;
};

}  // namespace tollgate::core
