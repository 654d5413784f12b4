// Work a request leaves running after its response (usage sent to Redis, say). Shutdown
// waits for it, like for requests in flight, so that no count is lost on SIGTERM.
#pragma once

#include <atomic>

namespace tollgate::core {

inline std::atomic<int>& background_work_count() {
  static std::atomic<int> count{0};
  return count;
}

// Held by a piece of background work for as long as it runs.
class BackgroundWork {
 public:
  BackgroundWork() { background_work_count().fetch_add(1, std::memory_order_relaxed); }
  ~BackgroundWork() { background_work_count().fetch_sub(1, std::memory_order_release); }
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;
};

}  // namespace tollgate::core
