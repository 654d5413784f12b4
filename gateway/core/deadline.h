// Timeouts without a timer per operation: whoever owns a socket records when its current
// operation must have finished, and one sweep per worker thread cancels the sockets whose
// deadline has passed. Beast's tcp_stream starts and cancels a timer around every read
// and write: a timer-queue insert, a cancel and a completion each, and half a kilobyte
// per connection. nginx's timers are as coarse as this sweep.
#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::core {

struct Deadline {
  using Clock = std::chrono::steady_clock;

  Clock::time_point at = Clock::time_point::max();

  void arm(Clock::duration timeout) { at = Clock::now() + timeout; }
  void disarm() { at = Clock::time_point::max(); }
  bool passed(Clock::time_point now) const { return at <= now; }
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
