// The gateway's Prometheus metrics, built on prometheus-cpp's registry and text
// serializer. Recording must not make threads wait on each other, and prometheus-cpp's
// histograms take a mutex per observation: so every thread records into a registry of
// its own (its "shard", handles cached per label set), and a scrape merges the shards.
// Process-wide gauges (build, config, breakers, connections) live in one more registry
// that is only written at scrape time.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/exchange.h"
#include "gateway/core/health_sources.h"
#include "gateway/core/http_handler.h"
#include "observability/audit/audit_log.h"

namespace tollgate::observability {

struct MetricsConfig {
  bool per_key_labels = false;  // key and team labels: cardinality is the user's choice
};

// Reads `metrics:` (absent: defaults). Throws core::ConfigError.
MetricsConfig read_metrics_config(const core::Config& config);

// One circuit breaker's state at scrape time, and the state file's writes: the views the
// gateway and the state module publish (this folder does not depend on routing or state).
using BreakerSample = core::BreakerView;
using StateWriteSample = core::StoreWriteView;

// Connections and streams open now: counted by the server through the observer
// interface, read by scrapes.
class LiveCounts final : public core::ConnectionObserver {
 public:
  void connection_opened() override { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() override { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void stream_opened() override { streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() override { streams_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  std::int64_t streams() const { return streams_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::int64_t> streams_{0};
};

class GatewayMetrics {
 public:
  GatewayMetrics(MetricsConfig config, std::string version, std::string commit);
  ~GatewayMetrics();

  // Everything one finished request tells: counts, durations, tokens, cost, rejections,
  // failures, retries, fallbacks. Called once per request, on its own thread.
  void record(const core::Exchange& exchange);

  // Scrape-time sources, set once by main.
  void set_breaker_source(std::function<std::vector<BreakerSample>()> source);
  void set_config_hash(std::string hash);
  void set_state_source(std::function<StateWriteSample()> source);
  void set_audit_source(std::function<AuditHealth()> source);
  // tollgate_config_reloads_total{result="ok"|"error"}.
  void count_reload(bool ok);

  // The text exposition of every metric.
  std::string scrape();

  // What the server tells about open connections and streams (tollgate_open_*).
  core::ConnectionObserver& live() { return live_; }

 private:
  struct Shard;
  Shard& shard();
  // What one request adds to the rejection, failure, retry and fallback counters.
  static void count_outcomes(Shard& s, const core::Exchange& exchange, std::string_view model);
  static void count_pii(Shard& s, std::string_view decision);

  MetricsConfig config_;
  std::string version_, commit_;
  std::mutex shards_mutex_;  // taken when a thread records for the first time, and by scrapes
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex scrape_mutex_;
  std::function<std::vector<BreakerSample>()> breakers_;
  std::function<StateWriteSample()> state_;
  std::function<AuditHealth()> audit_;
  std::string config_hash_;
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  LiveCounts live_;
};

}  // namespace tollgate::observability
