// What outlives config snapshots: the stores (entries survive a reload), made on first
// use by the stage of a snapshot and reused by the next; the admin endpoint reads and
// purges the one in use. Provided to stages through core::Services by the cache module.
#pragma once

#include <memory>
#include <mutex>

#include "cache/cache_config.h"
#include "cache/store.h"

namespace tollgate::state {
class StateServices;
}

namespace tollgate::cache {

class CacheHub {
 public:
  explicit CacheHub(state::StateServices* state) : state_(state) {}
  // The store `settings` ask for (made once per kind; a reload resizes the memory bound).
  // Throws std::logic_error for redis without state.redis.
  Store& store_for(const CacheSettings& settings);
  // The store the current config uses, or null while no config has a cache.
  Store* current() const;

 private:
  state::StateServices* state_;
  mutable std::mutex mutex_;
  std::unique_ptr<Store> memory_, redis_;
  Store* current_ = nullptr;
};

}  // namespace tollgate::cache
