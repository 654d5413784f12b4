// `state:` section reading and the per-thread Redis clients.
#include "state/state_services.h"

#include <unordered_map>

#include "gateway/core/config_reader.h"

namespace tollgate::state {

namespace {

// `redis_lease: {enabled, slice, ttl}`; a map given without `enabled` turns leases on.
void read_lease(const core::ConfigReader& r, const YAML::Node& node, StateConfig& out) {
  const std::string key = "state.redis_lease";
  r.check_keys(node, key, {"enabled", "slice", "ttl"});
  RedisLeaseConfig& lease = out.redis_lease;
  lease.enabled = r.has(node["enabled"]) ? r.bool_of(node["enabled"], key + ".enabled") : true;
  if (r.has(node["slice"])) {
    double slice = 0;
    try {
      slice = node["slice"].as<double>();
    } catch (const YAML::Exception&) {
      r.fail(node["slice"], key + ".slice", "must be a number");
    }
    if (!(slice > 0 && slice <= 0.5)) {
      r.fail(node["slice"], key + ".slice",
             "must be a fraction of each limit, above 0 and at most 0.5");
    }
    lease.slice = slice;
  }
  if (r.has(node["ttl"])) {
    lease.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(
        r.duration_of(node["ttl"], key + ".ttl"));
    if (lease.ttl < std::chrono::milliseconds(100) || lease.ttl > std::chrono::seconds(60)) {
      r.fail(node["ttl"], key + ".ttl", "must be between 100ms and 60s");
    }
  }
  if (lease.enabled && !out.redis)
    r.fail(node, key, "needs state.redis (leases are taken from it)");
}

}  // namespace

StateConfig read_state_config(const core::Config& config) {
  StateConfig out;
  const YAML::Node section = config.root["state"];
  if (!core::ConfigReader::has(section)) return out;
  core::ConfigReader r(config);
  r.require_map(section, "state");  // its keys: the state module's registration
  if (r.has(section["sqlite"])) out.sqlite_path = r.string_of(section["sqlite"], "state.sqlite");
  if (r.has(section["redis"])) {
    std::string url = r.string_of(section["redis"], "state.redis");
    try {
      out.redis = RedisEndpoint::parse(url);
    } catch (const std::invalid_argument& e) {
      r.fail(section["redis"], "state.redis", e.what());
    }
  }
  if (r.has(section["on_redis_error"])) {
    std::string mode = r.string_of(section["on_redis_error"], "state.on_redis_error");
    if (mode == "fail_open") {
      out.on_redis_error = OnRedisError::fail_open;
    } else if (mode == "fail_closed") {
      out.on_redis_error = OnRedisError::fail_closed;
    } else {
      r.fail(section["on_redis_error"], "state.on_redis_error", "must be fail_open or fail_closed");
    }
  }
  if (r.has(section["redis_lease"])) read_lease(r, section["redis_lease"], out);
  if (r.has(section["flush_interval"])) {
    out.flush_interval = r.duration_of(section["flush_interval"], "state.flush_interval");
  }
  if (r.has(section["key_prefix"])) {
    out.key_prefix = r.string_of(section["key_prefix"], "state.key_prefix");
  }
  if (r.has(section["fail_readiness_on_write_error"])) {
    out.fail_readiness_on_write_error =
        r.bool_of(section["fail_readiness_on_write_error"], "state.fail_readiness_on_write_error");
  }
  return out;
}

StateServices::StateServices(StateConfig config)
    : config_(std::move(config)), sqlite_(std::make_unique<SqliteStore>(config_.sqlite_path)) {
  upkeep_ = std::thread([this] { upkeep_loop(); });
}

StateServices::~StateServices() {
  {
    std::lock_guard lock(upkeep_mutex_);
    stopping_ = true;
  }
  upkeep_wake_.notify_all();
  upkeep_.join();
}

void StateServices::upkeep_loop() {
  std::unique_lock lock(upkeep_mutex_);
  while (!upkeep_wake_.wait_for(lock, config_.flush_interval, [this] { return stopping_; })) {
    lock.unlock();
    sqlite_->upkeep();
    lock.lock();
  }
}

std::string StateServices::not_ready_reason() const {
  if (!config_.fail_readiness_on_write_error) return {};
  StoreHealth health = sqlite_->health();
  if (health.writable) return {};
  return "the state file " + sqlite_->path() + " refuses writes: " + health.error;
}

RedisClient& StateServices::redis(const boost::asio::any_io_executor& executor) {
  // One client per (thread, services): a worker's requests share its pipelined connection.
  thread_local std::unordered_map<const StateServices*, std::unique_ptr<RedisClient>> clients;
  auto& client = clients[this];
  if (!client) client = std::make_unique<RedisClient>(executor, *config_.redis);
  return *client;
}

}  // namespace tollgate::state
