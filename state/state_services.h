// The process's durable and shared state, built once from the `state:` section and
// shared by the stages and the admin API: the SQLite file (always: the usage ledger, and
// admin-created keys when there is no Redis) and, when `state.redis` is set, one Redis
// client per thread (clients are single-threaded; each worker pipelines through its own).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <yaml-cpp/yaml.h>
#include <boost/asio/any_io_executor.hpp>

#include "gateway/core/config.h"
#include "state/redis/redis_client.h"
#include "state/sqlite/sqlite_store.h"

namespace tollgate::state {

enum class OnRedisError {
  fail_open,   // keep serving, count locally, catch up when Redis is back
  fail_closed  // answer 503 while Redis cannot be reached
};

// `state.redis_lease`: a replica takes a slice of each limit from Redis at once and admits
// on it locally until it is spent (docs/limits.md, "Leases"). Off by default.
struct RedisLeaseConfig {
  bool enabled = false;
  double slice = 0.05;                  // of each limit, per lease (at least one unit)
  std::chrono::milliseconds ttl{1000};  // a slice is spent, renewed or given back within it
};

struct StateConfig {
  std::string sqlite_path = "data/tollgate.db";
  std::optional<RedisEndpoint> redis;
  OnRedisError on_redis_error = OnRedisError::fail_open;
  RedisLeaseConfig redis_lease;
  std::chrono::milliseconds flush_interval{1000};  // usage ledger → SQLite
  std::string key_prefix = "tollgate:";            // every Redis key starts with it
  // /readyz answers 503 while the SQLite file refuses writes (the gateway serves on
  // either way; this takes it out of a load balancer's rotation instead).
  bool fail_readiness_on_write_error = false;
};

// Reads the `state:` section (absent: the defaults). Throws core::ConfigError.
StateConfig read_state_config(const core::Config& config);

class StateServices {
 public:
  // Opens SQLite (throws when it cannot) and starts the upkeep thread: every
  // flush_interval it checks the file is still there and retries held writes.
  explicit StateServices(StateConfig config);
  ~StateServices();

  const StateConfig& config() const { return config_; }
  SqliteStore& sqlite() { return *sqlite_; }
  StoreHealth sqlite_health() const { return sqlite_->health(); }
  bool has_redis() const { return config_.redis.has_value(); }
  // This thread's client, made on first use with `executor` (the thread's io_context).
  RedisClient& redis(const boost::asio::any_io_executor& executor);
  // Prefixes a Redis key ("usage:key:app" → "tollgate:usage:key:app").
  std::string redis_key(std::string_view name) const {
    return config_.key_prefix + std::string(name);
  }

  // Why /readyz should answer 503, or empty: only with fail_readiness_on_write_error.
  std::string not_ready_reason() const;

 private:
  void upkeep_loop();

  StateConfig config_;
  std::unique_ptr<SqliteStore> sqlite_;
  std::mutex upkeep_mutex_;
  std::condition_variable upkeep_wake_;
  bool stopping_ = false;
  std::thread upkeep_;
};

}  // namespace tollgate::state
