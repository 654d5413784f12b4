// The response-id route store: a sharded in-process LRU with expiry, and Redis keys
// `<prefix>response:<id>` with the same TTL. Lookups try this process first, then Redis.
#include "gateway/pipeline/response_route_store.h"

#include <array>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/this_coro.hpp>

#include "gateway/core/log.h"
#include "state/state_services.h"

namespace tollgate::gateway::pipeline {

namespace asio = boost::asio;

namespace {

constexpr char kSeparator = '\x1f';
// What a deleted response's key holds for the rest of its TTL.
constexpr std::string_view kTombstone = "-";

// Process-wide: a reload builds a new runtime, and the ids made before it must still route.
// Sharded so that threads recording ids at once seldom wait for each other.
class MemoryRoutes {
 public:
  using Clock = std::chrono::steady_clock;

  void put(const std::string& id, std::string value) {
    Shard& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    erase(shard, id);
    shard.order.push_front({id, std::move(value), Clock::now() + kResponseRouteTtl});
    shard.index.emplace(shard.order.front().id, shard.order.begin());
    if (shard.order.size() > kPerShard) {
      shard.index.erase(shard.order.back().id);
      shard.order.pop_back();
    }
  }

  std::optional<std::string> get(const std::string& id) {
    Shard& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.index.find(id);
    if (it == shard.index.end()) return std::nullopt;
    if (it->second->expires <= Clock::now()) {
      erase(shard, id);
      return std::nullopt;
    }
    shard.order.splice(shard.order.begin(), shard.order, it->second);
    return it->second->value;
  }

  void remove(const std::string& id) {
    Shard& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    erase(shard, id);
  }

 private:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kPerShard = kResponseRouteMemoryEntries / kShards;
  struct Entry {
    std::string id;
    std::string value;
    Clock::time_point expires;
  };
  struct Shard {
    std::mutex mutex;
    std::list<Entry> order;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into order
  };

  Shard& shard_for(const std::string& id) {
    return shards_[std::hash<std::string>{}(id) % kShards];
  }
  static void erase(Shard& shard, const std::string& id) {
    auto it = shard.index.find(id);
    if (it == shard.index.end()) return;
    auto entry = it->second;
    shard.index.erase(it);
    shard.order.erase(entry);
  }

  std::array<Shard, kShards> shards_;
};

MemoryRoutes& memory() {
  static MemoryRoutes routes;
  return routes;
}

// One warning per thread every ten seconds at most: Redis down must not flood the log.
void warn_redis(const std::exception& e) {
  thread_local std::chrono::steady_clock::time_point last{};
  auto now = std::chrono::steady_clock::now();
  if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::seconds(10)) {
    return;
  }
  last = now;
  core::log_warn(std::string("response routes: redis failed, this replica's memory only: ") +
                 e.what());
}

}  // namespace

bool valid_response_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxResponseIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string ResponseRoute::encode() const {
  return provider + kSeparator + target_model + kSeparator + model + kSeparator + owner;
}

std::optional<ResponseRoute> ResponseRoute::decode(std::string_view value) {
  std::array<std::string, 4> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t end = value.find(kSeparator);
    if ((end == std::string_view::npos) != (i + 1 == fields.size())) return std::nullopt;
    fields[i] = std::string(value.substr(0, end));
    value.remove_prefix(end == std::string_view::npos ? value.size() : end + 1);
  }
  if (fields[0].empty() || fields[1].empty()) return std::nullopt;
  return ResponseRoute{std::move(fields[0]), std::move(fields[1]), std::move(fields[2]),
                       std::move(fields[3])};
}

asio::awaitable<void> ResponseRouteStore::remember(const std::string& id,
                                                   const ResponseRoute& route) {
  if (!valid_response_id(id)) co_return;
  std::string value = route.encode();
  memory().put(id, value);
  if (state_ == nullptr || !state_->has_redis()) co_return;
  try {
    auto& redis = state_->redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"SET", state_->redis_key("response:" + id), value, "EX",
                                  std::to_string(kResponseRouteTtl.count())};
    co_await redis.command(argv);
  } catch (const std::exception& e) {
    warn_redis(e);
  }
}

// With Redis, its answer wins: a route, or a tombstone (another replica deleted the
// response). Nothing there (an id made while Redis was down) or Redis down: this process's.
asio::awaitable<std::optional<ResponseRoute>> ResponseRouteStore::lookup(const std::string& id) {
  if (!valid_response_id(id)) co_return std::nullopt;
  std::optional<std::string> shared;
  if (state_ != nullptr && state_->has_redis()) {
    try {
      auto& redis = state_->redis(co_await asio::this_coro::executor);
      std::vector<std::string> argv{"GET", state_->redis_key("response:" + id)};
      state::RedisReply reply = co_await redis.command(argv);
      if (reply.type == state::RedisReply::Type::string) shared = std::move(reply.str);
    } catch (const std::exception& e) {
      warn_redis(e);
    }
  }
  if (shared && *shared == kTombstone) {
    memory().remove(id);
    co_return std::nullopt;
  }
  if (shared) co_return ResponseRoute::decode(*shared);
  if (auto value = memory().get(id)) co_return ResponseRoute::decode(*value);
  co_return std::nullopt;
}

asio::awaitable<void> ResponseRouteStore::forget(const std::string& id) {
  if (!valid_response_id(id)) co_return;
  memory().remove(id);
  if (state_ == nullptr || !state_->has_redis()) co_return;
  try {
    auto& redis = state_->redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"SET", state_->redis_key("response:" + id),
                                  std::string(kTombstone), "EX",
                                  std::to_string(kResponseRouteTtl.count())};
    co_await redis.command(argv);
  } catch (const std::exception& e) {
    warn_redis(e);
  }
}

}  // namespace tollgate::gateway::pipeline
