// Counters in Redis, shared by every replica. Each admission and each settlement is one
// Lua script (atomic, one round trip), with Redis's own clock (TIME) so replicas with
// skewed clocks still agree. The rules are admission_rules.cpp's, line for line:
//   <prefix>rl:rpm:<scope>, rl:tpm:<scope>   GCRA theoretical arrival time (µs)
//   <prefix>par:<scope>                      requests in flight: zset id → lease end
//   <prefix>resv:<scope>                     what they reserved: hash id → "tokens cost",
//                                            and the sums "tokens" and "cost" (nano-USD)
//   <prefix>usage:<scope>:<period>           hash: requests, prompt_tokens,
//                                            completion_tokens, cost_nusd
//   <prefix>usage-index:<period>             set of scopes with usage in the period
// A reservation lives as long as its in-flight lease: one a dead replica never settled is
// given back by the next admission on its scope once the lease has passed.
// When Redis cannot be reached: fail_closed answers 503; fail_open admits on in-process
// counters meanwhile, and every settlement Redis missed is kept and replayed once it is
// back, so the shared totals catch up.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <deque>
#include <mutex>

#include "gateway/core/background_work.h"
#include "gateway/core/log.h"
#include "policies/limits/admission_rules.h"
#include "policies/limits/counter_store_impl.h"

namespace tollgate::policies::limits {

namespace {

namespace asio = boost::asio;

constexpr int kKeysPerScope = 6;

// Shared by both scripts: reading a scope's limits and the GCRA maths.
constexpr std::string_view kLuaCommon = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local MIN = 60000000
local function fmt(x) return string.format('%.0f', x) end
-- Each key's TAT is read once per script (GET is a round through Redis's dispatch).
local tats = {}
local function tat_of(key)
  local tat = tats[key]
  if tat == nil then
    tat = tonumber(redis.call('GET', key) or '0')
    tats[key] = tat
  end
  return tat
end
local function set_tat(key, tat)
  tats[key] = tat
  redis.call('SET', key, fmt(tat), 'PX', math.max(1, math.ceil((tat - now) / 1000)) + 1000)
end
local function limits_of(i, base)
  local a = base + (i - 1) * 6
  return ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]),
         tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
end
local function add(key, field, x)
  if x ~= 0 then redis.call('HINCRBY', key, field, fmt(x)) end
end
-- Frees an admission's in-flight slot (par) and gives back what it reserved (resv).
local function release(par, resv, id)
  redis.call('ZREM', par, id)
  local held = redis.call('HGET', resv, id)
  if not held then return end
  redis.call('HDEL', resv, id)
  local tokens, cost = string.match(held, '^(%d+) (%d+)$')
  if tokens then
    add(resv, 'tokens', -tonumber(tokens))
    add(resv, 'cost', -tonumber(cost))
  end
end
)lua";

// ARGV: n, token estimate, request id, lease ms, cost estimate nano-USD, then per scope:
// id, rpm, tpm, max_parallel, tokens_per_day, budget nano-USD (0 = none). KEYS: per scope
// rpm, tpm, par, day, month, resv.
// Returns {allowed, scope index, limit, retry µs (-1 day, -2 month), never,
//          requests limit, remaining, reset ms, tokens limit, remaining, reset ms}.
constexpr std::string_view kAdmitBody = R"lua(
local n, est, rid, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]) * 1000
local cest = tonumber(ARGV[5])
local function gcra_check(tat, limit, cost)
  if cost > limit then return false, 0, true end
  local new = math.max(tat, now) + cost * (MIN / limit)
  if new - now > MIN then return false, new - MIN - now, false end
  return true, 0, false
end
local function tracked(par, tpd, budget) return par > 0 or tpd > 0 or budget > 0 end
local verdict = {1, 0, '', 0, 0}
for i = 1, n do
  local k = (i - 1) * 6
  local _, rpm, tpm, par, tpd, budget = limits_of(i, 5)
  local ok, retry, never = true, 0, false
  if tracked(par, tpd, budget) then
    -- Leases past their end (a replica died mid-request): give them back, a few at a time.
    local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 3], '-inf', fmt(now), 'LIMIT', 0, 64)
    for _, id in ipairs(expired) do release(KEYS[k + 3], KEYS[k + 6], id) end
  end
  if rpm > 0 then
    ok, retry = gcra_check(tat_of(KEYS[k + 1]), rpm, 1)
    if not ok then verdict = {0, i, 'rpm', retry, 0} break end
  end
  if tpm > 0 then
    ok, retry, never = gcra_check(tat_of(KEYS[k + 2]), tpm, est)
    if not ok then verdict = {0, i, 'tpm', retry, never and 1 or 0} break end
  end
  if par > 0 then
    local live = redis.call('ZCOUNT', KEYS[k + 3], '(' .. fmt(now), '+inf')
    if live >= par then verdict = {0, i, 'max_parallel', 1000000, 0} break end
  end
  local resv = {}
  if tpd > 0 or budget > 0 then resv = redis.call('HMGET', KEYS[k + 6], 'tokens', 'cost') end
  if tpd > 0 then
    local h = redis.call('HMGET', KEYS[k + 4], 'prompt_tokens', 'completion_tokens')
    local reserved = tonumber(resv[1] or '0')
    local used = tonumber(h[1] or '0') + tonumber(h[2] or '0') + reserved
    if used + est > tpd then verdict = {0, i, 'tokens_per_day', -1, est > tpd and 1 or 0} break end
  end
  if budget > 0 then
    local spent = tonumber(redis.call('HGET', KEYS[k + 5], 'cost_nusd') or '0')
    local reserved = tonumber(resv[2] or '0')
    if spent >= budget or spent + reserved + cest > budget then
      verdict = {0, i, 'budget_usd_per_month', -2, cest > budget and 1 or 0} break
    end
  end
end
if verdict[1] == 1 then
  for i = 1, n do
    local k = (i - 1) * 6
    local _, rpm, tpm, par, tpd, budget = limits_of(i, 5)
    if rpm > 0 then set_tat(KEYS[k + 1], math.max(tat_of(KEYS[k + 1]), now) + MIN / rpm) end
    if tpm > 0 then set_tat(KEYS[k + 2], math.max(tat_of(KEYS[k + 2]), now) + est * (MIN / tpm)) end
    if tracked(par, tpd, budget) then
      local ttl = math.ceil(lease / 1000) + 1000
      redis.call('ZADD', KEYS[k + 3], fmt(now + lease), rid)
      redis.call('PEXPIRE', KEYS[k + 3], ttl)
      if tpd > 0 or budget > 0 then
        redis.call('HSET', KEYS[k + 6], rid, fmt(est) .. ' ' .. fmt(cest))
        add(KEYS[k + 6], 'tokens', est)
        add(KEYS[k + 6], 'cost', cest)
        redis.call('PEXPIRE', KEYS[k + 6], ttl)
      end
    end
  end
end
local function window(key, limit)
  local debt = math.max(0, tat_of(key) - now)
  local remaining = math.floor((MIN - debt) / (MIN / limit))
  if remaining > limit then remaining = limit end
  if remaining < 0 then remaining = 0 end
  return remaining, math.ceil(debt / 1000)
end
local rq = {-1, 0, 0}
local tk = {-1, 0, 0}
for i = 1, n do
  local k = (i - 1) * 6
  local _, rpm, tpm = limits_of(i, 5)
  if rpm > 0 then
    local rem, reset = window(KEYS[k + 1], rpm)
    if rq[1] < 0 or rem < rq[2] or (rem == rq[2] and reset > rq[3]) then rq = {rpm, rem, reset} end
  end
  if tpm > 0 then
    local rem, reset = window(KEYS[k + 2], tpm)
    if tk[1] < 0 or rem < tk[2] or (rem == tk[2] and reset > tk[3]) then tk = {tpm, rem, reset} end
  end
end
return {verdict[1], verdict[2], verdict[3], math.ceil(verdict[4]), verdict[5],
        rq[1], rq[2], rq[3], tk[1], tk[2], tk[3]}
)lua";

// ARGV: n, token estimate, request id, prompt, completion, cost nano-USD, then per scope
// as above. KEYS: per scope rpm, tpm, par, day, month, resv; then usage-index day and month.
// The reservation is given back by request id: a settlement retried after an outage, or
// one whose lease was already reclaimed, gives nothing back twice.
constexpr std::string_view kSettleBody = R"lua(
local n, est, rid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local prompt, completion = tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 1, n do
  local k = (i - 1) * 6
  local id, _, tpm = limits_of(i, 6)
  if tpm > 0 then
    local delta = (prompt + completion - est) * (MIN / tpm)
    local tat = tat_of(KEYS[k + 2])
    if delta >= 0 then tat = math.max(tat, now) + delta else tat = math.max(tat + delta, now) end
    set_tat(KEYS[k + 2], tat)
  end
  release(KEYS[k + 3], KEYS[k + 6], rid)
  for j, ttl in ipairs({3456000, 34560000}) do
    local key = KEYS[k + 3 + j]
    -- The first request of the period makes the hash: it sets the TTL and indexes the
    -- scope, once (three commands per period fewer than doing it every settlement).
    if redis.call('HINCRBY', key, 'requests', 1) == 1 then
      redis.call('EXPIRE', key, ttl)
      redis.call('SADD', KEYS[n * 6 + j], id)
      redis.call('EXPIRE', KEYS[n * 6 + j], ttl)
    end
    redis.call('HINCRBY', key, 'prompt_tokens', ARGV[4])
    redis.call('HINCRBY', key, 'completion_tokens', ARGV[5])
    redis.call('HINCRBY', key, 'cost_nusd', ARGV[6])
  end
end
return 1
)lua";

const state::RedisScript& admit_script() {
  static const state::RedisScript script(std::string(kLuaCommon) + std::string(kAdmitBody));
  return script;
}
const state::RedisScript& settle_script() {
  static const state::RedisScript script(std::string(kLuaCommon) + std::string(kSettleBody));
  return script;
}

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
        fallback_(make_local_counter_store(services.sqlite(), services.config().flush_interval)) {}

  asio::awaitable<Admission> admit(const AdmitRequest& request) override {
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

  void flush() override { fallback_->flush(); }

 private:
  struct Pending {
    AdmitRequest request;
    Settlement settlement;
  };

  void build_keys(const AdmitRequest& request, std::vector<std::string>& keys, bool settle) const {
    auto now = std::chrono::system_clock::now();
    std::string day = utc_day(now), month = utc_month(now);
    keys.reserve(request.scopes.size() * kKeysPerScope + 2);
    for (const auto& scope : request.scopes) {
      keys.push_back(services_.redis_key("rl:rpm:" + scope.id));
      keys.push_back(services_.redis_key("rl:tpm:" + scope.id));
      keys.push_back(services_.redis_key("par:" + scope.id));
      keys.push_back(services_.redis_key("usage:" + scope.id + ":" + day));
      keys.push_back(services_.redis_key("usage:" + scope.id + ":" + month));
      keys.push_back(services_.redis_key("resv:" + scope.id));
    }
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
  std::mutex backlog_mutex_;  // touched only when Redis has failed
  std::deque<std::shared_ptr<Pending>> backlog_;
  std::atomic<std::size_t> backlog_size_{0};
  std::atomic<bool> outage_{false};
};

}  // namespace

std::unique_ptr<CounterStore> make_redis_counter_store(state::StateServices& services) {
  return std::make_unique<RedisCounterStore>(services);
}

}  // namespace tollgate::policies::limits
