// Counters in process: scopes spread over striped mutexes (no lock every thread takes),
// usage deltas written to SQLite by one flusher thread every state.flush_interval, so a
// crash loses at most that interval. Today's and this month's totals are read back at
// startup, so quotas and budgets survive a restart.
#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "gateway/core/log.h"
#include "policies/limits/admission_rules.h"
#include "policies/limits/counter_store_impl.h"
#include "policies/limits/scope_stripes.h"

namespace tollgate::policies::limits {

namespace {

constexpr std::size_t kStripes = 64;

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class LocalCounterStore final : public CounterStore {
 public:
  LocalCounterStore(state::SqliteStore& db, std::chrono::milliseconds flush_interval)
      : db_(db), flush_interval_(flush_interval) {
    load_current_periods();
    flusher_ = std::thread([this] { flush_loop(); });
  }
  ~LocalCounterStore() override {
    {
      std::lock_guard lock(flusher_mutex_);
      stopping_ = true;
    }
    flusher_wake_.notify_all();
    flusher_.join();
    flush();
  }

  boost::asio::awaitable<Admission> admit(const AdmitRequest& request) override {
    co_return admit_now(request);
  }

  void settle(const AdmitRequest& request, const Settlement& settlement,
              const boost::asio::any_io_executor&) override {
    auto now = std::chrono::system_clock::now();
    std::string day = utc_day(now), month = utc_month(now);
    std::int64_t now_ns = steady_now_ns();
    state::UsageCounters used{1, settlement.usage.prompt_tokens, settlement.usage.completion_tokens,
                              settlement.cost_nusd};
    for (const auto& scope : request.scopes) {
      Stripe& stripe = stripe_of(scope.id);
      std::lock_guard lock(stripe.mutex);
      ScopeCounters& counters = stripe.scopes[scope.id];
      roll_periods(counters, day, month);
      apply_settlement(scope, counters, request, settlement, now_ns);
      stripe.pending[{scope.id, day}] += used;
      stripe.pending[{scope.id, month}] += used;
    }
  }

  boost::asio::awaitable<std::vector<state::UsageRow>> usage(
      const std::vector<std::string>& periods, const std::string& scope) override {
    // The file has everything up to the last flush; add what is still pending. Under the
    // flush's lock: a flush moves rows from pending to the file, and a read between the
    // two (or of the file before and pending after) would miss them. An admin read, never
    // on a request's path.
    std::lock_guard flush_lock(flush_mutex_);
    std::vector<state::UsageRow> rows = db_.usage(periods, scope);
    for (auto& stripe : stripes_) {
      std::lock_guard lock(stripe.mutex);
      for (const auto& [where, counters] : stripe.pending) {
        if (!scope.empty() && where.first != scope) continue;
        if (std::find(periods.begin(), periods.end(), where.second) == periods.end()) continue;
        // Named, not captured: C++20 lambdas may not capture a structured binding (clang).
        const auto& key = where;
        auto it = std::find_if(rows.begin(), rows.end(), [&key](const state::UsageRow& row) {
          return row.scope == key.first && row.period == key.second;
        });
        if (it == rows.end()) {
          rows.push_back({where.first, where.second, counters});
        } else {
          it->counters += counters;
        }
      }
    }
    co_return rows;
  }

  void flush() override {
    std::lock_guard flush_lock(flush_mutex_);
    std::vector<state::UsageRow> rows;
    for (auto& stripe : stripes_) {
      std::lock_guard lock(stripe.mutex);
      for (auto& [where, counters] : stripe.pending)
        rows.push_back({where.first, where.second, counters});
      stripe.pending.clear();
    }
    if (rows.empty()) return;
    try {
      db_.add_usage(rows);
    } catch (const std::exception& e) {
      // Put them back: the next flush tries again rather than losing the counts.
      core::log_error(std::string("usage ledger: cannot write to SQLite: ") + e.what());
      for (auto& row : rows) {
        Stripe& stripe = stripe_of(row.scope);
        std::lock_guard lock(stripe.mutex);
        stripe.pending[{row.scope, row.period}] += row.counters;
      }
    }
  }

 private:
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::string, ScopeCounters> scopes;
    std::map<std::pair<std::string, std::string>, state::UsageCounters> pending;
  };

  Stripe& stripe_of(const std::string& scope) { return limits::stripe_of(stripes_, scope); }

  Admission admit_now(const AdmitRequest& request) {
    auto now = std::chrono::system_clock::now();
    std::string day = utc_day(now), month = utc_month(now);
    std::int64_t now_ns = steady_now_ns();
    auto locks = lock_scopes(stripes_, request.scopes);

    std::vector<ScopeCounters*> counters;
    for (const auto& scope : request.scopes) {
      ScopeCounters& c = stripe_of(scope.id).scopes[scope.id];
      roll_periods(c, day, month);
      counters.push_back(&c);
    }
    Admission admission;
    for (std::size_t i = 0; i < request.scopes.size(); ++i) {
      if (auto refused = check_scope(request.scopes[i], *counters[i], request, now_ns)) {
        admission = std::move(*refused);
        break;
      }
    }
    if (admission.verdict == Admission::Verdict::allowed) {
      for (std::size_t i = 0; i < request.scopes.size(); ++i) {
        apply_admission(request.scopes[i], *counters[i], request, now_ns);
      }
    }
    for (std::size_t i = 0; i < request.scopes.size(); ++i) {
      describe_windows(request.scopes[i], *counters[i], now_ns, admission);
    }
    return admission;
  }

  void load_current_periods() {
    auto now = std::chrono::system_clock::now();
    std::string day = utc_day(now), month = utc_month(now);
    std::vector<std::string> periods{day, month};
    for (const auto& row : db_.usage(periods)) {
      Stripe& stripe = stripe_of(row.scope);
      ScopeCounters& counters = stripe.scopes[row.scope];
      roll_periods(counters, day, month);
      if (row.period == day) counters.day_total = row.counters;
      if (row.period == month) counters.month_total = row.counters;
    }
  }

  void flush_loop() {
    std::unique_lock lock(flusher_mutex_);
    while (!stopping_) {
      flusher_wake_.wait_for(lock, flush_interval_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      flush();
      lock.lock();
    }
  }

  state::SqliteStore& db_;
  std::chrono::milliseconds flush_interval_;
  std::array<Stripe, kStripes> stripes_;
  std::mutex flush_mutex_;  // one flush at a time (flusher thread, shutdown, admin)
  std::mutex flusher_mutex_;
  std::condition_variable flusher_wake_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace

std::unique_ptr<CounterStore> make_local_counter_store(state::SqliteStore& db,
                                                       std::chrono::milliseconds flush_interval) {
  return std::make_unique<LocalCounterStore>(db, flush_interval);
}

std::unique_ptr<CounterStore> make_counter_store(state::StateServices& services) {
  if (services.has_redis()) return make_redis_counter_store(services);
  return make_local_counter_store(services.sqlite(), services.config().flush_interval);
}

// Digits written by hand: this runs twice per request, and snprintf's format parsing
// showed in profiles.
std::string utc_day(std::chrono::system_clock::time_point t) {
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  auto year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  auto month = static_cast<unsigned>(ymd.month());
  auto day = static_cast<unsigned>(ymd.day());
  std::string out = "0000-00-00";
  out[0] = static_cast<char>('0' + year / 1000 % 10);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

std::string utc_month(std::chrono::system_clock::time_point t) {
  std::string day = utc_day(t);
  day.resize(7);
  return day;
}

}  // namespace tollgate::policies::limits
