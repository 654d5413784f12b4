#include "routing/target_health.h"

#include "gateway/core/log.h"

namespace tollgate::routing {

namespace {

std::int64_t ns_of(TargetHealth::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

constexpr int kClosed = static_cast<int>(BreakerState::closed);
constexpr int kOpen = static_cast<int>(BreakerState::open);
constexpr int kHalfOpen = static_cast<int>(BreakerState::half_open);

}  // namespace

bool TargetHealth::available(Clock::time_point now) const {
  int state = state_.load(std::memory_order_acquire);
  if (state == kClosed) return true;
  if (state == kHalfOpen) return false;  // its one probe is under way
  return ns_of(now) >= open_until_ns_.load(std::memory_order_acquire);
}

TargetHealth::TargetHealth(const TargetHealth& carried, core::BreakerConfig breaker)
    : name_(carried.name_), breaker_(breaker) {
  state_.store(carried.state_.load());
  consecutive_failures_.store(carried.consecutive_failures_.load());
  open_until_ns_.store(carried.open_until_ns_.load());
  latency_us_.store(carried.latency_us_.load());
}

bool TargetHealth::admit(Clock::time_point now) {
  int state = state_.load(std::memory_order_acquire);
  if (state == kClosed) return true;
  if (state == kHalfOpen) return false;
  if (ns_of(now) < open_until_ns_.load(std::memory_order_acquire)) return false;
  // Exactly one caller wins the probe.
  if (state_.compare_exchange_strong(state, kHalfOpen, std::memory_order_acq_rel)) {
    core::log_info("circuit breaker " + name_ + ": half-open, sending one probe request");
    return true;
  }
  return false;
}

void TargetHealth::close_breaker() {
  consecutive_failures_.store(0, std::memory_order_relaxed);
  int previous = state_.exchange(kClosed, std::memory_order_acq_rel);
  if (previous != kClosed) core::log_info("circuit breaker " + name_ + ": closed");
}

void TargetHealth::on_success(std::chrono::microseconds latency) {
  close_breaker();
  // A decaying average: each new sample weighs a fifth, so a slow patch shows within a
  // few requests and one outlier does not dominate.
  std::int64_t sample = latency.count();
  std::int64_t old = latency_us_.load(std::memory_order_relaxed);
  std::int64_t next = old < 0 ? sample : (old * 4 + sample) / 5;
  latency_us_.store(next, std::memory_order_relaxed);
}

void TargetHealth::on_alive() {
  close_breaker();
}

void TargetHealth::on_abandoned() {
  // Back to open with its time already up, so the next admit() takes the probe. (Should
  // another attempt that started before the breaker opened end this way while a probe
  // runs, a second probe may go out: harmless, and cheaper than tracking its owner.)
  int expected = kHalfOpen;
  state_.compare_exchange_strong(expected, kOpen, std::memory_order_acq_rel);
}

void TargetHealth::on_failure(Clock::time_point now) {
  unsigned failures = consecutive_failures_.fetch_add(1, std::memory_order_acq_rel) + 1;
  int state = state_.load(std::memory_order_acquire);
  bool probe_failed = state == kHalfOpen;
  if (!probe_failed && (state == kOpen || failures < breaker_.failures)) return;
  open_until_ns_.store(ns_of(now + breaker_.open_for), std::memory_order_release);
  int previous = state_.exchange(kOpen, std::memory_order_acq_rel);
  if (previous != kOpen) {
    core::log_warn("circuit breaker " + name_ + ": open for " +
                   std::to_string(breaker_.open_for.count()) + " ms (" +
                   (probe_failed ? std::string("the probe failed")
                                 : std::to_string(failures) + " failures in a row") +
                   ")");
  }
}

}  // namespace tollgate::routing
