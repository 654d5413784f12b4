// What the router knows about one target (a model's provider + provider model) across
// requests and threads: its circuit breaker, a decaying average of its latency (time to
// first byte for streams) and how many requests it has in flight. Lock-free: every
// field is an atomic, so recording never makes threads wait for each other.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "gateway/core/config.h"

namespace tollgate::routing {

enum class BreakerState { closed, open, half_open };

class TargetHealth {
 public:
  using Clock = std::chrono::steady_clock;

  TargetHealth(std::string name, core::BreakerConfig breaker)
      : name_(std::move(name)), breaker_(breaker) {}
  // A reload that changed the breaker's settings: the new settings, the old one's state
  // (an open breaker stays open, failures in a row and latency carry over).
  TargetHealth(const TargetHealth& carried, core::BreakerConfig breaker);

  const core::BreakerConfig& breaker() const { return breaker_; }

  // Whether a request may go to this target now. An open breaker whose time is up lets
  // exactly one caller through as the half-open probe.
  bool admit(Clock::time_point now);
  // Without side effects: would admit() let a request through now?
  bool available(Clock::time_point now) const;
  void on_success(std::chrono::microseconds latency);
  // A failure of the target (5xx, 429, timeout, connect). Opens the breaker after
  // `failures` in a row, or at once when the half-open probe fails.
  void on_failure(Clock::time_point now);
  // The target answered but the request was at fault (a 400): the target is alive.
  void on_alive();
  // The attempt ended with no verdict on the target (the client hung up, or a write to it
  // failed): nothing is counted, and a half-open breaker's probe goes to the next caller
  // instead of staying taken for good.
  void on_abandoned();

  BreakerState state() const { return static_cast<BreakerState>(state_.load()); }
  // Microseconds; negative until the first success.
  std::int64_t latency_us() const { return latency_us_.load(std::memory_order_relaxed); }
  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  void begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void end() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  const std::string& name() const { return name_; }

 private:
  void close_breaker();

  std::string name_;  // "model/provider/target-model", for logs
  core::BreakerConfig breaker_;
  std::atomic<int> state_{static_cast<int>(BreakerState::closed)};
  std::atomic<unsigned> consecutive_failures_{0};
  std::atomic<std::int64_t> open_until_ns_{0};
  std::atomic<std::int64_t> latency_us_{-1};
  std::atomic<int> in_flight_{0};
};

}  // namespace tollgate::routing
