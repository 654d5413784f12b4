#include "gateway/pipeline/runtime_switch.h"

#include <boost/asio/post.hpp>

namespace tollgate::gateway::pipeline {

std::shared_ptr<RuntimeSlot> RuntimeSwitch::attach(const boost::asio::any_io_executor& executor) {
  std::lock_guard lock(mutex_);
  auto slot = std::make_shared<RuntimeSlot>(RuntimeSlot{current_});
  workers_.emplace_back(executor, slot);
  return slot;
}

void RuntimeSwitch::publish(RuntimePtr next) {
  std::lock_guard lock(mutex_);
  current_ = next;
  for (auto& [executor, slot] : workers_) {
    // The slot outlives the worker's handler; a post to a stopped worker never runs.
    boost::asio::post(executor, [slot = slot, next] { slot->runtime = next; });
  }
}

RuntimePtr RuntimeSwitch::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace tollgate::gateway::pipeline
