// The cache's process-lifetime part: the stores (a reload keeps what they hold) and the
// admin endpoint, GET /admin/cache (entries, bytes, hits, misses) and DELETE /admin/cache
// (?scope=key:ID|user:ID|team:ID) to purge.
#include <boost/json.hpp>

#include "cache/cache_hub.h"
#include "cache/memory_store.h"
#include "cache/redis_store.h"
#include "gateway/core/errors.h"
#include "gateway/core/module_registry.h"
#include "state/state_services.h"

namespace tollgate::cache {

Store& CacheHub::store_for(const CacheSettings& settings) {
  std::lock_guard lock(mutex_);
  std::size_t vectors = settings.semantic ? settings.semantic->max_entries : 0;
  std::size_t index_above = settings.semantic ? settings.semantic->index_above : 2048;
  IndexKind kind = settings.semantic && settings.semantic->hnsw ? IndexKind::hnsw : IndexKind::lsh;
  if (settings.store == StoreKind::redis) {
    if (state_ == nullptr || !state_->has_redis()) {
      throw std::logic_error("cache.store: redis needs state.redis");
    }
    if (!redis_) redis_ = std::make_unique<RedisStore>(*state_);
    current_ = redis_.get();
  } else {
    if (!memory_)
      memory_ = std::make_unique<MemoryStore>(settings.max_bytes, vectors, index_above, kind);
    memory_->resize(settings.max_bytes);
    current_ = memory_.get();
  }
  return *current_;
}

Store* CacheHub::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

namespace {

namespace json = boost::json;

constexpr std::string_view kPath = "/admin/cache";

// "scope=team:a%3Ab" → "team:a:b" (percent-decoded); empty when absent.
std::string scope_param(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!pair.starts_with("scope=")) continue;
    std::string out;
    std::string_view v = pair.substr(6);
    for (std::size_t i = 0; i < v.size() && out.size() < 256; ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out.push_back(static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(v[i] == '+' ? ' ' : v[i]);
      }
    }
    return out;
  }
  return {};
}

bool valid_scope(std::string_view scope) {
  return scope.starts_with("key:") || scope.starts_with("user:") || scope.starts_with("team:");
}

class CacheAdmin final : public core::AdminEndpoint {
 public:
  explicit CacheAdmin(CacheHub& hub) : hub_(hub) {}
  bool matches(std::string_view path) const override { return path == kPath; }

  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::Response& response) override {
    Store* store = hub_.current();
    if (exchange.method != "GET" && exchange.method != "DELETE") {
      response = core::error_response(core::ErrorKind::method_not_allowed,
                                      "/admin/cache takes GET or DELETE");
      co_return;
    }
    std::string scope;
    try {
      scope = scope_param(exchange.target);
    } catch (const std::exception&) {
      scope = "?";
    }
    if (!scope.empty() && !valid_scope(scope)) {
      response = core::error_response(core::ErrorKind::invalid_request,
                                      "scope must be key:ID, user:ID or team:ID", "scope");
      co_return;
    }
    json::object body;
    try {
      body = co_await answer(exchange.method, scope, store);
    } catch (const std::exception&) {
      response = core::error_response(core::ErrorKind::unavailable,
                                      "the cache store cannot be reached now");
      co_return;
    }
    response.status = 200;
    response.headers.set("content-type", "application/json");
    response.body = json::serialize(body);
  }

 private:
  static boost::asio::awaitable<json::object> answer(const std::string& method,
                                                     const std::string& scope, Store* store) {
    json::object body;
    if (method == "DELETE") {
      std::uint64_t removed = store != nullptr ? co_await store->purge(scope) : 0;
      body = {{"purged", removed},
              {"scope", scope.empty() ? json::value(nullptr) : json::value(scope)}};
    } else {
      StoreStats stats = store != nullptr ? co_await store->stats() : StoreStats{};
      body = {{"enabled", store != nullptr}, {"entries", stats.entries},
              {"bytes", stats.bytes},        {"vectors", stats.vectors},
              {"hits", stats.hits},          {"semantic_hits", stats.semantic_hits},
              {"misses", stats.misses}};
    }
    co_return body;
  }

  CacheHub& hub_;
};

class CacheModule final : public core::Module {
 public:
  explicit CacheModule(core::Services& services)
      : hub_(services.find<state::StateServices>()), admin_(hub_) {
    services.provide<CacheHub>(hub_);
  }
  std::vector<core::AdminEndpoint*> admin_endpoints() override { return {&admin_}; }

 private:
  CacheHub hub_;
  CacheAdmin admin_;
};

// After the state module (0), whose Redis clients the redis store uses.
const core::Registration kRegistration{core::ModuleSpec<core::NoSettings>{
    .name = "cache",
    .position = 300,
    .make = [](const core::NoSettings&, core::Services& services) -> std::unique_ptr<core::Module> {
      return std::make_unique<CacheModule>(services);
    }}};

}  // namespace

}  // namespace tollgate::cache
