// The process's durable and shared state, built once from the `state:` section and
// shared by the stages and the admin API: the SQLite file (always: the usage ledger, and
// admin-created keys when there is no Redis) and, when `state.redis` is set, one Redis
// client per thread (clients are single-threaded; each worker pipelines through its own).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

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

struct StateConfig {
  std::string sqlite_path = "data/tollgate.db";
  std::optional<RedisEndpoint> redis;
  OnRedisError on_redis_error = OnRedisError::fail_open;
  std::chrono::milliseconds flush_interval{1000};  // usage ledger → SQLite
  std::string key_prefix = "tollgate:";            // every Redis key starts with it
};

// Reads the `state:` section (absent: the defaults). Throws core::ConfigError.
StateConfig read_state_config(const core::Config& config);

class StateServices {
 public:
  explicit StateServices(StateConfig config);  // opens SQLite; throws when it cannot
  ~StateServices();

  const StateConfig& config() const { return config_; }
  SqliteStore& sqlite() { return *sqlite_; }
  bool has_redis() const { return config_.redis.has_value(); }
  // This thread's client, made on first use with `executor` (the thread's io_context).
  RedisClient& redis(const boost::asio::any_io_executor& executor);
  // Prefixes a Redis key ("usage:key:app" → "tollgate:usage:key:app").
  std::string redis_key(std::string_view name) const {
    return config_.key_prefix + std::string(name);
  }

 private:
  StateConfig config_;
  std::unique_ptr<SqliteStore> sqlite_;
};

}  // namespace tollgate::state
