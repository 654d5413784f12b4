// Per-replica leases on the Redis counters (`state.redis_lease`): requests are admitted on
// slices of each scope's limits this replica took from Redis, with no round trip, and
// their usage is summed and sent with the next sync. One thread of its own, with its own
// Redis connection, syncs each busy scope every ttl/2 (and at once when a lease runs
// low): it adds the usage, gives back rate units and idle quota units, and takes fresh
// slices. On shutdown everything is sent and given back.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "policies/limits/lease_book.h"

namespace tollgate::policies::limits {

class LeaseKeeper {
 public:
  explicit LeaseKeeper(state::StateServices& services);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // The admission when every scope's lease holds enough for the request (taken out of
  // them), or nullopt: the caller admits it by the exact script, and a sync is asked for.
  std::optional<Admission> try_admit(const AdmitRequest& request);
  // A request admitted on the leases (or held to no limit) is done: its usage is owed to
  // Redis until the next sync.
  void settle(const AdmitRequest& request, const Settlement& settlement);
  // Sends every settlement, gives every lease back, and stops the thread. Blocks, at most
  // a few seconds when Redis does not answer (then the usage is lost: logged).
  void stop();

 private:
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::string, ScopeLease> leases;
  };
  struct Job;  // one scope's sync under way

  Stripe& stripe_of(const std::string& scope);
  void wake();
  void run();
  // Starts the syncs that are due (all that hold anything when `final`); returns how many
  // are still under way.
  std::size_t start_syncs(bool final);
  void start_sync(const std::string& scope, ScopeLease& lease, bool release_all);
  void finish_sync(const Job& job, const state::RedisReply* reply);

  state::StateServices& services_;
  double slice_;
  std::int64_t ttl_ns_;
  std::string lease_id_;  // "lease:<random hex>": this process's leases in Redis
  std::array<Stripe, 64> stripes_;
  boost::asio::io_context io_;
  std::unique_ptr<state::RedisClient> redis_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> wake_posted_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failing_{false};  // the last sync failed (logged once)
  std::mutex stop_mutex_;
  std::thread thread_;
};

}  // namespace tollgate::policies::limits
