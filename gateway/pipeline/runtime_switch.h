// Swaps a new Runtime in on every worker (a reload). Each worker's handler reads its own
// slot at the start of each request, on its own thread; the switch posts the new pointer
// to each worker's executor, so no lock or atomic is on the request path, and requests
// in flight (streams included) finish on the runtime they started with.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "gateway/pipeline/runtime.h"

namespace tollgate::gateway::pipeline {

// One worker's current runtime; written and read on that worker's thread only (the
// switch writes it through a post), so it needs no lock.
struct RuntimeSlot {
  RuntimePtr runtime;
};

class RuntimeSwitch {
 public:
  explicit RuntimeSwitch(RuntimePtr initial) : current_(std::move(initial)) {}

  // A slot for the worker running on `executor`, holding the current runtime.
  std::shared_ptr<RuntimeSlot> attach(const boost::asio::any_io_executor& executor);
  // Every worker gets `next` for its next requests.
  void publish(RuntimePtr next);
  RuntimePtr current() const;

 private:
  mutable std::mutex mutex_;
  RuntimePtr current_;
  std::vector<std::pair<boost::asio::any_io_executor, std::shared_ptr<RuntimeSlot>>> workers_;
};

}  // namespace tollgate::gateway::pipeline
