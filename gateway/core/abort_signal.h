// Lets the session tell the upstream transport that the client has gone, so the
// upstream request is cancelled at once instead of running (and costing) to its end.
// Single-threaded by design: a request lives on one io_context thread.
#pragma once

#include <functional>
#include <utility>

namespace tollgate::core {

class AbortSignal {
 public:
  // Called by whoever holds something to cancel (an upstream socket). Replaces any
  // earlier handler; runs it at once when abort() already happened.
  void on_abort(std::function<void()> handler) {
    handler_ = std::move(handler);
    if (aborted_ && handler_) std::exchange(handler_, nullptr)();
  }
  void clear() { handler_ = nullptr; }
  void abort() {
    aborted_ = true;
    if (handler_) std::exchange(handler_, nullptr)();
  }
  bool aborted() const { return aborted_; }

 private:
  std::function<void()> handler_;
  bool aborted_ = false;
};

}  // namespace tollgate::core
