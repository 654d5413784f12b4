#include "policies/limits/lease_keeper.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/log.h"
#include "gateway/core/random_hex.h"
#include "policies/limits/admission_rules.h"
#include "policies/limits/redis_scripts.h"
#include "policies/limits/scope_stripes.h"

namespace tollgate::policies::limits {

namespace asio = boost::asio;

namespace {

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string count_arg(const std::optional<std::int64_t>& v) {
  return std::to_string(v.value_or(0));
}

void append_units(const LeaseUnits& u, std::vector<std::string>& args) {
  for (std::int64_t x : {u.requests, u.tokens, u.day_tokens, u.cost_nusd, u.slots}) {
    args.push_back(std::to_string(x));
  }
}

}  // namespace

struct LeaseKeeper::Job {
  std::string scope;
  core::LimitSet limits;
  SyncPlan plan;
  std::int64_t sent_ns = 0;
  std::vector<std::string> keys, args;  // alive until the call completes
};

LeaseKeeper::LeaseKeeper(state::StateServices& services)
    : services_(services),
      slice_(services.config().redis_lease.slice),
      ttl_ns_(
          std::chrono::duration_cast<std::chrono::nanoseconds>(services.config().redis_lease.ttl)
              .count()),
      redis_(std::make_unique<state::RedisClient>(io_.get_executor(), *services.config().redis)),
      timer_(io_) {
  lease_id_ = "lease:" + std::string(12, '0');
  core::write_random_hex(std::span<char>(lease_id_).subspan(6));
  thread_ = std::thread([this] { run(); });
}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

LeaseKeeper::Stripe& LeaseKeeper::stripe_of(const std::string& scope) {
  return limits::stripe_of(stripes_, scope);
}

std::optional<Admission> LeaseKeeper::try_admit(const AdmitRequest& request) {
  std::int64_t now = steady_now_ns();
  auto locks = lock_scopes(stripes_, request.scopes);

  std::vector<ScopeLease*> leases;
  leases.reserve(request.scopes.size());
  bool fits = true, want = false;
  for (const auto& scope : request.scopes) {
    ScopeLease& lease = stripe_of(scope.id).leases[scope.id];
    lease.limits = scope.limits;
    leases.push_back(&lease);
    if (!can_draw(lease, request, now)) {
      fits = false;
      // A refill when the lease itself is short (not when the request is larger than a
      // slice), and not again while Redis has just said it has nothing left.
      bool short_lease = now >= lease.valid_until_ns || running_low(lease, slice_);
      if (short_lease && refill_allowed(lease, now)) {
        lease.wanted = true;
        want = true;
      }
    }
  }
  std::optional<Admission> admission;
  if (fits) {
    admission.emplace();
    admission->by_lease = true;
    for (ScopeLease* lease : leases) {
      draw(*lease, request);
      if (refill_allowed(*lease, now) && running_low(*lease, slice_)) {
        lease->wanted = true;
        want = true;
      }
      describe_lease(*lease, *admission);
    }
  }
  locks.clear();
  if (want) wake();
  return admission;
}

void LeaseKeeper::settle(const AdmitRequest& request, const Settlement& settlement) {
  for (const auto& scope : request.scopes) {
    Stripe& stripe = stripe_of(scope.id);
    std::lock_guard lock(stripe.mutex);
    ScopeLease& lease = stripe.leases[scope.id];
    lease.limits = scope.limits;
    settle_draw(lease, request, settlement);
  }
}

void LeaseKeeper::wake() {
  if (wake_posted_.exchange(true)) return;
  asio::post(io_, [this] { timer_.cancel(); });
}

void LeaseKeeper::stop() {
  std::lock_guard lock(stop_mutex_);
  if (!thread_.joinable()) return;
  stopping_ = true;
  asio::post(io_, [this] { timer_.cancel(); });
  thread_.join();
}

void LeaseKeeper::run() {
  asio::co_spawn(
      io_,
      [this]() -> asio::awaitable<void> {
        auto tick = std::chrono::nanoseconds(ttl_ns_ / 4);
        boost::system::error_code ec;
        while (!stopping_) {
          timer_.expires_after(tick);
          co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          wake_posted_ = false;
          start_syncs(false);
        }
        // Shutdown: every settlement sent, every unit given back, within a bound.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        std::size_t busy = 0;
        while (std::chrono::steady_clock::now() < deadline && (busy = start_syncs(true)) > 0) {
          timer_.expires_after(std::chrono::milliseconds(2));
          co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (busy > 0) {
          core::log_error("limits: Redis did not take the leases' last usage at shutdown");
        }
        redis_->close();
      },
      asio::detached);
  io_.run();
}

std::size_t LeaseKeeper::start_syncs(bool final) {
  std::int64_t now = steady_now_ns();
  std::vector<std::shared_ptr<Job>> jobs;
  std::size_t busy = 0;
  for (Stripe& stripe : stripes_) {
    std::lock_guard lock(stripe.mutex);
    for (auto it = stripe.leases.begin(); it != stripe.leases.end();) {
      ScopeLease& lease = it->second;
      bool work = !lease.held.empty() || lease.in_flight > 0 || !lease.settled.empty() ||
                  lease.draws > 0 || lease.wanted;
      // At shutdown, what is still held or owed; requests still running past the drain
      // are not waited for (their slots go back with the rest).
      bool due = final ? !lease.held.empty() || !lease.settled.empty()
                       : lease.wanted || (work && now - lease.last_sync_ns >= ttl_ns_ / 2);
      if (lease.syncing) {
        ++busy;
      } else if (due) {
        // Idle since the last sync (or shutting down): everything goes back.
        bool release_all = final || (lease.draws == 0 && !lease.wanted);
        auto job = std::make_shared<Job>();
        job->scope = it->first;
        job->limits = lease.limits;
        job->plan = plan_sync(lease, slice_, release_all);
        if (final) job->plan.give_back.slots += std::exchange(lease.held.slots, 0);
        job->sent_ns = now;
        jobs.push_back(std::move(job));
        ++busy;
      } else if (!work && now - lease.last_sync_ns > ttl_ns_) {
        it = stripe.leases.erase(it);
        continue;
      }
      ++it;
    }
  }
  // Started outside the locks: a call that fails at once finishes inline.
  for (auto& job : jobs) {
    auto day_now = std::chrono::system_clock::now();
    append_scope_keys(services_, job->scope, utc_day(day_now), utc_month(day_now), job->keys);
    job->keys.push_back(services_.redis_key("usage-index:" + utc_day(day_now)));
    job->keys.push_back(services_.redis_key("usage-index:" + utc_month(day_now)));
    const core::LimitSet& l = job->limits;
    const LeaseSettlements& s = job->plan.settled;
    job->args = {
        job->scope,
        lease_id_,
        std::to_string(2 * ttl_ns_ / 1'000'000),
        count_arg(l.rpm),
        count_arg(l.tpm),
        count_arg(l.max_parallel),
        count_arg(l.tokens_per_day),
        l.budget_usd_per_month ? std::to_string(budget_in_nusd(*l.budget_usd_per_month)) : "0"};
    for (std::int64_t x : {s.requests, s.prompt_tokens, s.completion_tokens, s.cost_nusd,
                           s.tpm_correction, s.released_tokens, s.released_cost_nusd}) {
      job->args.push_back(std::to_string(x));
    }
    append_units(job->plan.give_back, job->args);
    append_units(job->plan.want, job->args);
    asio::co_spawn(
        io_,
        [this, job]() -> asio::awaitable<void> {
          state::RedisReply reply;
          bool answered = false;
          try {
            reply = co_await redis_->eval(lease_script(), job->keys, job->args);
            answered = true;
          } catch (const std::exception& e) {
            if (!failing_.exchange(true)) {
              core::log_warn(std::string("limits: lease sync with Redis failed (") + e.what() +
                             "): admitting by the exact script meanwhile; usage kept");
            }
          }
          finish_sync(*job, answered ? &reply : nullptr);
        },
        asio::detached);
  }
  return busy;
}

void LeaseKeeper::finish_sync(const Job& job, const state::RedisReply* reply) {
  Stripe& stripe = stripe_of(job.scope);
  std::lock_guard lock(stripe.mutex);
  ScopeLease& lease = stripe.leases[job.scope];
  bool ok = reply != nullptr && reply->type == state::RedisReply::Type::array &&
            reply->elements.size() == 10;
  if (!ok) {
    if (reply != nullptr && reply->is_error()) {
      core::log_error("limits: redis lease script failed: " + reply->str);
    }
    sync_failed(lease, job.plan);
    return;
  }
  if (failing_.exchange(false)) core::log_info("limits: lease syncs with Redis work again");
  auto integer = [&](std::size_t i) { return reply->elements[i].integer; };
  LeaseUnits granted{integer(1), integer(2), integer(3), integer(4), integer(5)};
  apply_grant(lease, granted, integer(0) == 1, job.sent_ns, ttl_ns_);
  if (job.limits.rpm && integer(6) >= 0) {
    lease.requests_window = WindowState{*job.limits.rpm, integer(6), integer(7)};
  }
  if (job.limits.tpm && integer(8) >= 0) {
    lease.tokens_window = WindowState{*job.limits.tpm, integer(8), integer(9)};
  }
}

}  // namespace tollgate::policies::limits
