// Counters in Redis, shared by every replica. Each admission and each settlement is one
// Lua script (atomic, one round trip; redis_scripts.h lists the keys), with Redis's own
// clock (TIME) so replicas with skewed clocks still agree. With `state.redis_lease`, a
// request is first offered to this replica's leases (lease_keeper.h), and only one they
// cannot hold goes to the admission script.
// A reservation lives as long as its in-flight lease: one a dead replica never settled is
// given back by the next admission on its scope once the lease has passed.
// When Redis cannot be reached: fail_closed answers 503; fail_open admits on in-process
// counters meanwhile, and every settlement Redis missed is kept and replayed once it is
// back, so the shared totals catch up.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <deque>
#include <mutex>

#include "gateway/core/background_work.h"
#include "gateway/core/log.h"
#include "policies/limits/admission_rules.h"
#include "policies/limits/counter_store_impl.h"
#include "policies/limits/lease_keeper.h"
#include "policies/limits/redis_scripts.h"

namespace tollgate::policies::limits {

namespace {

namespace asio = boost::asio;

std::string count_arg(const std::optional<std::int64_t>& v) {
  return std::to_string(v.value_or(0));
}

LimitKind kind_of(std::string_view name) {
  for (auto kind : {LimitKind::rpm, LimitKind::tpm, LimitKind::max_parallel,
                    LimitKind::tokens_per_day, LimitKind::budget}) {
    if (limit_name(kind) == name) return kind;
  }
  return LimitKind::rpm;
}

class RedisCounterStore final : public CounterStore {
 public:
  explicit RedisCounterStore(state::StateServices& services)
      : services_(services),
        fallback_(make_local_counter_store(services.sqlite(), services.config().flush_interval)) {
    if (services.config().redis_lease.enabled) keeper_ = std::make_unique<LeaseKeeper>(services);
  }

  asio::awaitable<Admission> admit(const AdmitRequest& request) override {
    if (keeper_) {
      if (std::optional<Admission> leased = keeper_->try_admit(request)) co_return *leased;
    }
    std::vector<std::string> keys, args;
    build_keys(request, keys, false);
    args = {std::to_string(request.scopes.size()), std::to_string(request.token_estimate),
            request.request_id, std::to_string(request.lease.count()),
            std::to_string(request.cost_estimate_nusd)};
    append_scope_args(request, args);
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    state::RedisReply reply;
    try {
      reply = co_await redis.eval(admit_script(), keys, args);
    } catch (const state::RedisUnavailable& e) {
      note_outage(e.what());
    }
    if (reply.type == state::RedisReply::Type::array && reply.elements.size() == 11) {
      note_recovered(redis);
      co_return decode(reply, request);
    }
    if (reply.is_error()) core::log_error("limits: redis script failed: " + reply.str);
    if (services_.config().on_redis_error == state::OnRedisError::fail_closed) {
      Admission unavailable;
      unavailable.verdict = Admission::Verdict::unavailable;
      co_return unavailable;
    }
    // fail_open: this replica's own counters hold the limits meanwhile.
    Admission local = co_await fallback_->admit(request);
    local.by_fallback = true;
    co_return local;
  }

  void settle(const AdmitRequest& request, const Settlement& settlement,
              const asio::any_io_executor& executor) override {
    if (keeper_ && (settlement.admitted_by_lease || unlimited(request))) {
      keeper_->settle(request, settlement);  // summed, sent with the lease's next sync
      // Settlements kept from an outage are replayed after the next one Redis takes; on
      // leases there may be no such settlement, so this one tries.
      if (backlog_size_.load(std::memory_order_relaxed) > 0 && !replaying_.exchange(true)) {
        asio::co_spawn(executor, replay(), asio::detached);
      }
      return;
    }
    auto entry = std::make_shared<Pending>(Pending{request, settlement});
    if (settlement.admitted_by_fallback) {
      // Free the local slot now; Redis never reserved anything for this request, so it
      // gets the usage alone (no estimate to take back; no reservation under its id).
      fallback_->settle(request, settlement, executor);
      entry->request.token_estimate = 0;
      entry->request.cost_estimate_nusd = 0;
    }
    asio::co_spawn(executor, send_settlement(entry), asio::detached);
  }

  asio::awaitable<std::vector<state::UsageRow>> usage(const std::vector<std::string>& periods,
                                                      const std::string& scope) override {
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    std::vector<state::UsageRow> rows;
    for (const auto& period : periods) {
      std::vector<std::string> scopes;
      if (scope.empty()) {
        std::vector<std::string> argv{"SMEMBERS", services_.redis_key("usage-index:" + period)};
        state::RedisReply members = co_await redis.command(argv);
        for (const auto& m : members.elements) scopes.push_back(m.str);
      } else {
        scopes.push_back(scope);
      }
      for (const auto& s : scopes) {
        std::vector<std::string> argv{"HMGET",
                                      services_.redis_key("usage:" + s + ":" + period),
                                      "requests",
                                      "prompt_tokens",
                                      "completion_tokens",
                                      "cost_nusd"};
        state::RedisReply fields = co_await redis.command(argv);
        if (fields.elements.size() != 4 || fields.elements[0].is_nil()) continue;
        auto number = [&](int i) { return std::stoll(fields.elements[i].str); };
        rows.push_back({s, period, {number(0), number(1), number(2), number(3)}});
      }
    }
    co_return rows;
  }

  void flush() override {
    if (keeper_) keeper_->stop();
    fallback_->flush();
  }

 private:
  static bool unlimited(const AdmitRequest& request) {
    return std::all_of(request.scopes.begin(), request.scopes.end(),
                       [](const Scope& scope) { return scope.limits.empty(); });
  }

  struct Pending {
    AdmitRequest request;
    Settlement settlement;
  };

  void build_keys(const AdmitRequest& request, std::vector<std::string>& keys, bool settle) const {
    auto now = std::chrono::system_clock::now();
    std::string day = utc_day(now), month = utc_month(now);
    keys.reserve(request.scopes.size() * kKeysPerScope + 2);
    for (const auto& scope : request.scopes)
      append_scope_keys(services_, scope.id, day, month, keys);
    if (settle) {
      keys.push_back(services_.redis_key("usage-index:" + day));
      keys.push_back(services_.redis_key("usage-index:" + month));
    }
  }

  static void append_scope_args(const AdmitRequest& request, std::vector<std::string>& args) {
    for (const auto& scope : request.scopes) {
      const core::LimitSet& l = scope.limits;
      args.push_back(scope.id);
      args.push_back(count_arg(l.rpm));
      args.push_back(count_arg(l.tpm));
      args.push_back(count_arg(l.max_parallel));
      args.push_back(count_arg(l.tokens_per_day));
      args.push_back(
          l.budget_usd_per_month ? std::to_string(budget_in_nusd(*l.budget_usd_per_month)) : "0");
    }
  }

  static Admission decode(const state::RedisReply& reply, const AdmitRequest& request) {
    auto integer = [&](int i) { return reply.elements[i].integer; };
    Admission a;
    if (integer(0) != 1) {
      a.verdict = Admission::Verdict::limited;
      auto index = static_cast<std::size_t>(integer(1));
      if (index >= 1 && index <= request.scopes.size()) a.scope = request.scopes[index - 1].id;
      a.limit = kind_of(reply.elements[2].str);
      std::int64_t retry = integer(3);
      a.retry_after_ms = retry == -1   ? ms_until_next_period(false)
                         : retry == -2 ? ms_until_next_period(true)
                                       : (retry + 999) / 1000;
      a.never = integer(4) == 1;
    }
    if (integer(5) >= 0) a.requests = WindowState{integer(5), integer(6), integer(7)};
    if (integer(8) >= 0) a.tokens = WindowState{integer(8), integer(9), integer(10)};
    return a;
  }

  // One settlement to Redis; kept for later when Redis cannot take it now.
  asio::awaitable<void> send_settlement(std::shared_ptr<Pending> entry) {
    core::BackgroundWork tracked;
    state::RedisClient& redis = services_.redis(co_await asio::this_coro::executor);
    bool sent = co_await try_send(redis, *entry);
    if (!sent) {
      std::lock_guard lock(backlog_mutex_);
      backlog_.push_back(std::move(entry));
      backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
    } else if (backlog_size_.load(std::memory_order_relaxed) > 0) {
      co_await replay_backlog(redis);
    }
  }

  asio::awaitable<bool> try_send(state::RedisClient& redis, const Pending& entry) {
    std::vector<std::string> keys;
    build_keys(entry.request, keys, true);
    const core::Usage& usage = entry.settlement.usage;
    std::vector<std::string> args{std::to_string(entry.request.scopes.size()),
                                  std::to_string(entry.request.token_estimate),
                                  entry.request.request_id,
                                  std::to_string(usage.prompt_tokens),
                                  std::to_string(usage.completion_tokens),
                                  std::to_string(entry.settlement.cost_nusd)};
    append_scope_args(entry.request, args);
    try {
      state::RedisReply reply = co_await redis.eval(settle_script(), keys, args);
      if (reply.is_error()) {
        core::log_error("limits: redis settle script failed: " + reply.str);
        co_return true;  // a script error will not heal by retrying
      }
      co_return true;
    } catch (const state::RedisUnavailable& e) {
      note_outage(e.what());
      co_return false;
    }
  }

  asio::awaitable<void> replay() {
    core::BackgroundWork tracked;
    co_await replay_backlog(services_.redis(co_await asio::this_coro::executor));
    replaying_ = false;
  }

  asio::awaitable<void> replay_backlog(state::RedisClient& redis) {
    // Bounded: at most what was queued when the replay started.
    std::size_t budget = backlog_size_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < budget; ++i) {
      std::shared_ptr<Pending> entry;
      {
        std::lock_guard lock(backlog_mutex_);
        if (backlog_.empty()) break;
        entry = std::move(backlog_.front());
        backlog_.pop_front();
        backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
      }
      if (!(co_await try_send(redis, *entry))) {
        std::lock_guard lock(backlog_mutex_);
        backlog_.push_front(std::move(entry));
        backlog_size_.store(backlog_.size(), std::memory_order_relaxed);
        co_return;
      }
    }
    if (backlog_size_.load(std::memory_order_relaxed) == 0) {
      core::log_info("limits: usage counted during the Redis outage has been sent");
    }
  }

  void note_outage(const char* why) {
    if (!outage_.exchange(true)) {
      core::log_warn(std::string("limits: Redis unavailable (") + why + "): " +
                     (services_.config().on_redis_error == state::OnRedisError::fail_open
                          ? "counting locally until it is back"
                          : "refusing requests until it is back"));
    }
  }
  void note_recovered(state::RedisClient&) {
    if (outage_.exchange(false)) core::log_info("limits: Redis is back");
  }

  state::StateServices& services_;
  std::unique_ptr<CounterStore> fallback_;
  std::unique_ptr<LeaseKeeper> keeper_;  // with state.redis_lease
  std::mutex backlog_mutex_;             // touched only when Redis has failed
  std::deque<std::shared_ptr<Pending>> backlog_;
  std::atomic<std::size_t> backlog_size_{0};
  std::atomic<bool> outage_{false};
  std::atomic<bool> replaying_{false};  // a replay started by a leased settlement runs
};

}  // namespace

std::unique_ptr<CounterStore> make_redis_counter_store(state::StateServices& services) {
  return std::make_unique<RedisCounterStore>(services);
}

}  // namespace tollgate::policies::limits
