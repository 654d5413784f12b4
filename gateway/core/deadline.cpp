#include "gateway/core/deadline.h"

namespace tollgate::core {

DeadlineSweep::DeadlineSweep(const boost::asio::any_io_executor& executor, Visitor visit)
    : timer_(executor), visit_(std::move(visit)) {
  schedule();
}

// Destroying the timer cancels the pending wait; its handler then returns without
// touching this object.
DeadlineSweep::~DeadlineSweep() = default;

void DeadlineSweep::schedule() {
  timer_.expires_after(kDeadlineSweepInterval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the owner is going away
    visit_(Deadline::Clock::now());
    schedule();
  });
}

}  // namespace tollgate::core
