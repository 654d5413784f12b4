// How long a worker polls before it sleeps (server.idle_poll_us), adapted to the traffic
// the way Linux's guest halt-polling (cpuidle-haltpoll) adapts its window: when the
// worker slept and the next event came within the configured window, polling a little
// longer would have caught it, so the window doubles (up to the configured value); when
// the sleep outlasted the configured window, the polling was wasted, so it halves (down
// to 0). Busy traffic keeps the whole window; a stream whose chunks come 30 ms apart, or
// an idle worker woken by its deadline sweep, soon polls not at all.
#pragma once

#include <algorithm>
#include <chrono>

namespace tollgate::gateway::server {

class IdlePollWindow {
 public:
  using Duration = std::chrono::microseconds;

  // Growing from 0 starts here: shorter windows catch nothing.
  static constexpr Duration kSmallest{10};

  explicit IdlePollWindow(Duration configured) : configured_(configured), current_(configured) {}

  Duration current() const { return current_; }

  // The worker polled for current(), nothing came, and it then slept for `slept` (as
  // measured around io_context::run_one, so the one handler that ran is included: a
  // little early to shrink, never wrong about growing).
  void after_sleep(std::chrono::steady_clock::duration slept) {
    if (slept < configured_) {
      current_ = std::min(configured_, std::max(current_ * 2, kSmallest));
    } else {
      current_ = current_ / 2 < kSmallest ? Duration::zero() : current_ / 2;
    }
  }

 private:
  Duration configured_;
  Duration current_;
};

}  // namespace tollgate::gateway::server
