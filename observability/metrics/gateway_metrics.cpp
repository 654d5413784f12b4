#include "observability/metrics/gateway_metrics.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "gateway/core/config_reader.h"

namespace tollgate::observability {

namespace {

using prometheus::Counter;
using prometheus::Histogram;
using Labels = std::map<std::string, std::string>;

const Histogram::BucketBoundaries kDurationBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                   1,     2.5,  5,     10,   30,  60,   120};
const Histogram::BucketBoundaries kTtftBuckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10};
// Fine enough to see microseconds: the gateway's own cost per request.
const Histogram::BucketBoundaries kOverheadBuckets{0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                                   0.0005,  0.001,    0.0025,  0.005,  0.01,
                                                   0.025,   0.05,     0.1};

std::string status_class(int status) {
  if (status <= 0) return "none";
  return std::to_string(status / 100) + "xx";
}

double seconds(core::Exchange::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The handles of one family in one shard, by label values joined with '\x1f'.
template <typename Metric>
class CachedFamily {
 public:
  explicit CachedFamily(prometheus::Family<Metric>& family) : family_(family) {}

  template <typename... Args>
  Metric& get(const Labels& labels, Args&&... args) {
    std::string key;
    for (const auto& [name, value] : labels) {
      key += value;
      key.push_back('\x1f');
    }
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it->second;
    Metric& metric = family_.Add(labels, std::forward<Args>(args)...);
    cache_.emplace(std::move(key), &metric);
    return metric;
  }

 private:
  prometheus::Family<Metric>& family_;
  std::unordered_map<std::string, Metric*> cache_;
};

// Sums families of the same name from every shard: counters and histograms add up.
void merge_into(std::vector<prometheus::MetricFamily>& out,
                const std::vector<prometheus::MetricFamily>& families) {
  for (const auto& family : families) {
    auto target =
        std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.name == family.name; });
    if (target == out.end()) {
      out.push_back(family);
      continue;
    }
    for (const auto& metric : family.metric) {
      auto same = std::find_if(target->metric.begin(), target->metric.end(),
                               [&](const auto& m) { return m.label == metric.label; });
      if (same == target->metric.end()) {
        target->metric.push_back(metric);
        continue;
      }
      same->counter.value += metric.counter.value;
      same->gauge.value += metric.gauge.value;
      same->histogram.sample_count += metric.histogram.sample_count;
      same->histogram.sample_sum += metric.histogram.sample_sum;
      for (std::size_t i = 0;
           i < same->histogram.bucket.size() && i < metric.histogram.bucket.size(); ++i) {
        same->histogram.bucket[i].cumulative_count += metric.histogram.bucket[i].cumulative_count;
      }
    }
  }
}

void add_counter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                 double value) {
  prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({}).Increment(value);
}

void add_gauge(prometheus::Registry& registry, const std::string& name, const std::string& help,
               double value) {
  prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({}).Set(value);
}

void add_state_families(prometheus::Registry& registry, const StateWriteSample& state) {
  auto& errors = prometheus::BuildCounter()
                     .Name("tollgate_state_write_errors_total")
                     .Help("Failed writes to the SQLite state file, by reason")
                     .Register(registry);
  for (const auto& [reason, count] : state.write_errors) {
    errors.Add({{"reason", reason}}).Increment(static_cast<double>(count));
  }
  add_gauge(registry, "tollgate_state_writable",
            "1 while the SQLite state file takes writes, 0 from a failed write until one works",
            state.writable ? 1 : 0);
  add_gauge(registry, "tollgate_state_unwritten_usage_rows",
            "Usage rows held in memory until the state file takes them",
            static_cast<double>(state.unwritten_usage_rows));
  add_counter(registry, "tollgate_state_usage_rows_dropped_total",
              "Usage rows lost because too many waited for the state file",
              static_cast<double>(state.dropped_usage_rows));
}

void add_audit_families(prometheus::Registry& registry, const AuditHealth& audit) {
  add_counter(registry, "tollgate_audit_write_errors_total",
              "Failed writes (and fsyncs) of the audit log",
              static_cast<double>(audit.write_errors));
  add_counter(registry, "tollgate_audit_records_lost_total",
              "Audit records that could not be written (each gap is recorded in the chain)",
              static_cast<double>(audit.records_lost));
  add_gauge(registry, "tollgate_audit_records_unwritten",
            "Audit records held in memory until the file takes them",
            static_cast<double>(audit.records_unwritten));
  add_gauge(registry, "tollgate_audit_writable",
            "1 while the audit log takes writes, 0 from a failed write until one works",
            audit.writable ? 1 : 0);
}

}  // namespace

// The handles one (model, provider, status class, key, team) combination records into,
// found with one lookup per request; the label maps are built only the first time.
struct RequestHandles {
  Counter* requests;
  Histogram* duration;
  Histogram* upstream;
  Histogram* ttft;
  Histogram* overhead;
  Counter* prompt_tokens;
  Counter* completion_tokens;
  Counter* cost;
};

struct GatewayMetrics::Shard {
  prometheus::Registry registry;
  std::unordered_map<std::string, RequestHandles> handles;
  std::string scratch;
  CachedFamily<Counter> requests{
      prometheus::BuildCounter()
          .Name("tollgate_requests_total")
          .Help("Requests answered, by model, provider, status class and cache result")
          .Register(registry)};
  CachedFamily<Histogram> duration{prometheus::BuildHistogram()
                                       .Name("tollgate_request_duration_seconds")
                                       .Help("Whole request as the client sees it")
                                       .Register(registry)};
  CachedFamily<Histogram> upstream{prometheus::BuildHistogram()
                                       .Name("tollgate_upstream_duration_seconds")
                                       .Help("Time spent waiting on providers, all attempts")
                                       .Register(registry)};
  CachedFamily<Histogram> ttft{prometheus::BuildHistogram()
                                   .Name("tollgate_time_to_first_token_seconds")
                                   .Help("Streams: from the request to the first event sent")
                                   .Register(registry)};
  CachedFamily<Histogram> overhead{prometheus::BuildHistogram()
                                       .Name("tollgate_overhead_seconds")
                                       .Help("The gateway's own time: total minus upstream")
                                       .Register(registry)};
  CachedFamily<Counter> tokens{prometheus::BuildCounter()
                                   .Name("tollgate_tokens_total")
                                   .Help("Tokens by model, provider and kind (prompt, completion)")
                                   .Register(registry)};
  CachedFamily<Counter> cost{prometheus::BuildCounter()
                                 .Name("tollgate_cost_usd_total")
                                 .Help("Cost in US dollars, from the pricing section")
                                 .Register(registry)};
  CachedFamily<Counter> rejections{prometheus::BuildCounter()
                                       .Name("tollgate_limit_rejections_total")
                                       .Help("Requests refused by a rate limit, quota or budget")
                                       .Register(registry)};
  // Labels bounded by the config: an entity is built in or named in `pii.custom`.
  CachedFamily<Counter> pii_findings{
      prometheus::BuildCounter()
          .Name("tollgate_pii_findings_total")
          .Help("Personal data found by the pii stage, by entity, action and direction")
          .Register(registry)};
  // result: hit, semantic-hit, miss, bypass, refresh (the cache stage's, a fixed set).
  CachedFamily<Counter> cache_requests{prometheus::BuildCounter()
                                           .Name("tollgate_cache_requests_total")
                                           .Help("Requests the response cache looked at, by result")
                                           .Register(registry)};
  CachedFamily<Counter> cache_saved{
      prometheus::BuildCounter()
          .Name("tollgate_cache_saved_usd_total")
          .Help("What the answers served from the cache would have cost, from `pricing`")
          .Register(registry)};
  // result: ok, refused, failed, timeout, cancelled, invalid (a fixed set): the cache's
  // own embeddings calls (`semantic.embedder: {model: NAME}`), the gateway's cost.
  CachedFamily<Counter> cache_embeddings{
      prometheus::BuildCounter()
          .Name("tollgate_cache_embedding_requests_total")
          .Help("Embeddings calls the semantic cache made through the router, by result")
          .Register(registry)};
  CachedFamily<Counter> cache_embedding_tokens{
      prometheus::BuildCounter()
          .Name("tollgate_cache_embedding_tokens_total")
          .Help("Prompt tokens of the semantic cache's embeddings calls, as providers reported")
          .Register(registry)};
  // Labels bounded by ISO 3166 (the geo stage names a country by two letters, else
  // "unknown"); the main request series never gets a country (cardinality).
  CachedFamily<Counter> geo_refusals{
      prometheus::BuildCounter()
          .Name("tollgate_geo_refusals_total")
          .Help("Requests refused by the geo stage, by the caller's country")
          .Register(registry)};
  CachedFamily<Counter> failures{prometheus::BuildCounter()
                                     .Name("tollgate_upstream_failures_total")
                                     .Help("Failed upstream attempts, by provider and class")
                                     .Register(registry)};
  CachedFamily<Counter> retries{prometheus::BuildCounter()
                                    .Name("tollgate_retries_total")
                                    .Help("Upstream attempts beyond the first, within a model")
                                    .Register(registry)};
  CachedFamily<Counter> fallbacks{prometheus::BuildCounter()
                                      .Name("tollgate_fallbacks_total")
                                      .Help("Moves to the next model of a fallback chain")
                                      .Register(registry)};
};

MetricsConfig read_metrics_config(const core::Config& config) {
  MetricsConfig out;
  const YAML::Node section = config.root["metrics"];
  if (!core::ConfigReader::has(section)) return out;
  core::ConfigReader r(config);
  r.require_map(section, "metrics");
  r.check_keys(section, "metrics", {"per_key_labels"});
  if (r.has(section["per_key_labels"])) {
    out.per_key_labels = r.bool_of(section["per_key_labels"], "metrics.per_key_labels");
  }
  return out;
}

GatewayMetrics::GatewayMetrics(MetricsConfig config, std::string version, std::string commit)
    : config_(config), version_(std::move(version)), commit_(std::move(commit)) {}

GatewayMetrics::~GatewayMetrics() = default;

GatewayMetrics::Shard& GatewayMetrics::shard() {
  // One shard per (thread, metrics object); made once, then found without any lock.
  thread_local std::unordered_map<const GatewayMetrics*, Shard*> mine;
  auto it = mine.find(this);
  if (it != mine.end()) return *it->second;
  std::lock_guard lock(shards_mutex_);
  shards_.push_back(std::make_unique<Shard>());
  mine[this] = shards_.back().get();
  return *shards_.back();
}

void GatewayMetrics::record(const core::Exchange& exchange) {
  Shard& s = shard();
  // (string_view on both sides: a std::string/literal mix would make a temporary.)
  std::string_view model =
      exchange.model != nullptr ? std::string_view(exchange.model->name) : "none";
  std::string_view provider =
      exchange.provider != nullptr ? std::string_view(exchange.provider->name) : "none";
  const core::Principal* p = exchange.principal.get();
  std::string_view key = p != nullptr ? std::string_view(p->key_id) : "none";
  std::string_view team = p != nullptr && !p->team.empty() ? std::string_view(p->team) : "none";
  int status = exchange.status / 100;

  std::string& cache_key = s.scratch;
  cache_key.assign(model);
  cache_key.push_back('\x1f');
  cache_key.append(provider);
  cache_key.push_back('\x1f');
  cache_key.push_back(static_cast<char>('0' + std::clamp(status, 0, 9)));
  cache_key.push_back('\x1f');
  cache_key.append(exchange.cache);
  if (config_.per_key_labels) {
    cache_key.push_back('\x1f');
    cache_key.append(key);
    cache_key.push_back('\x1f');
    cache_key.append(team);
  }
  auto found = s.handles.find(cache_key);
  if (found == s.handles.end()) {
    Labels base{{"model", std::string(model)}, {"provider", std::string(provider)}};
    Labels who = base;
    if (config_.per_key_labels) {
      who["key"] = std::string(key);
      who["team"] = std::string(team);
    }
    Labels request = who;
    request["status_class"] = status_class(exchange.status);
    request["cache"] = std::string(exchange.cache);
    Labels prompt = who, completion = who, none;
    prompt["kind"] = "prompt";
    completion["kind"] = "completion";
    RequestHandles h{&s.requests.get(request),
                     &s.duration.get(base, kDurationBuckets),
                     &s.upstream.get(base, kDurationBuckets),
                     &s.ttft.get(base, kTtftBuckets),
                     &s.overhead.get(none, kOverheadBuckets),
                     &s.tokens.get(prompt),
                     &s.tokens.get(completion),
                     &s.cost.get(who)};
    found = s.handles.emplace(cache_key, h).first;
  }
  const RequestHandles& h = found->second;
  h.requests->Increment();

  auto end = exchange.finished != core::Exchange::Clock::time_point{}
                 ? exchange.finished
                 : core::Exchange::Clock::now();
  auto total = end - exchange.started;
  h.duration->Observe(seconds(total));
  if (exchange.upstream_time.count() > 0) {
    h.upstream->Observe(seconds(exchange.upstream_time));
    h.overhead->Observe(std::max(0.0, seconds(total - exchange.upstream_time)));
  }
  if (exchange.streamed && exchange.first_byte > exchange.started) {
    h.ttft->Observe(seconds(exchange.first_byte - exchange.started));
  }
  if (exchange.usage.total() > 0) {
    h.prompt_tokens->Increment(static_cast<double>(exchange.usage.prompt_tokens));
    h.completion_tokens->Increment(static_cast<double>(exchange.usage.completion_tokens));
  }
  if (exchange.cost_nusd > 0) h.cost->Increment(static_cast<double>(exchange.cost_nusd) / 1e9);
  count_outcomes(s, exchange, model);
}

// The pii stage's decision "request:email:pseudonymize:2": direction, entity, action and
// how many were found (never a value).
void GatewayMetrics::count_pii(Shard& s, std::string_view decision) {
  std::string_view parts[4];
  for (auto& part : parts) {
    std::size_t colon = decision.find(':');
    part = decision.substr(0, colon);
    decision = colon == std::string_view::npos ? std::string_view() : decision.substr(colon + 1);
  }
  double count = 0;
  for (char c : parts[3]) {
    if (c < '0' || c > '9') return;
    count = count * 10 + (c - '0');
  }
  Labels labels{{"direction", std::string(parts[0])},
                {"entity", std::string(parts[1])},
                {"action", std::string(parts[2])}};
  s.pii_findings.get(labels).Increment(count);
}

void GatewayMetrics::count_outcomes(Shard& s, const core::Exchange& exchange,
                                    std::string_view model) {
  for (const auto& [stage, decision] : exchange.decisions) {
    if (stage == "pii") {
      count_pii(s, decision);
      continue;
    }
    if (stage == "geo" && decision.starts_with("refused:")) {
      Labels country{{"country", decision.substr(8, 7)}};
      s.geo_refusals.get(country).Increment();
      continue;
    }
    if (stage != "limits" || decision == "unavailable") continue;
    Labels limit{{"limit", decision.substr(0, decision.find(':'))}};
    s.rejections.get(limit).Increment();
  }
  if (exchange.cache != "none") {
    s.cache_requests.get(Labels{{"result", std::string(exchange.cache)}}).Increment();
    if (exchange.cache_saved_nusd > 0) {
      s.cache_saved.get(Labels{}).Increment(static_cast<double>(exchange.cache_saved_nusd) / 1e9);
    }
  }
  if (exchange.cache_embedding != "none") {
    s.cache_embeddings.get(Labels{{"result", std::string(exchange.cache_embedding)}}).Increment();
    if (exchange.cache_embedding_tokens > 0) {
      s.cache_embedding_tokens.get(Labels{}).Increment(
          static_cast<double>(exchange.cache_embedding_tokens));
    }
  }
  for (const auto& [failed_provider, failure] : exchange.failed_attempts) {
    Labels labels{{"provider", failed_provider}, {"class", std::string(core::to_string(failure))}};
    s.failures.get(labels).Increment();
  }
  int retries = exchange.attempts - 1 - exchange.fallbacks;
  if (retries > 0) {
    Labels m{{"model", std::string(model)}};
    s.retries.get(m).Increment(retries);
  }
  if (exchange.fallbacks > 0) {
    Labels m{{"model", std::string(model)}};
    s.fallbacks.get(m).Increment(exchange.fallbacks);
  }
}

void GatewayMetrics::set_breaker_source(std::function<std::vector<BreakerSample>()> source) {
  std::lock_guard lock(scrape_mutex_);
  breakers_ = std::move(source);
}

void GatewayMetrics::set_config_hash(std::string hash) {
  std::lock_guard lock(scrape_mutex_);
  config_hash_ = std::move(hash);
}

void GatewayMetrics::set_state_source(std::function<StateWriteSample()> source) {
  std::lock_guard lock(scrape_mutex_);
  state_ = std::move(source);
}

void GatewayMetrics::set_audit_source(std::function<AuditHealth()> source) {
  std::lock_guard lock(scrape_mutex_);
  audit_ = std::move(source);
}

void GatewayMetrics::count_reload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

std::string GatewayMetrics::scrape() {
  std::lock_guard scrape_lock(scrape_mutex_);
  std::vector<prometheus::MetricFamily> families;
  {
    std::lock_guard lock(shards_mutex_);
    for (const auto& s : shards_) merge_into(families, s->registry.Collect());
  }
  // Process-wide values, written now into a registry made for this scrape.
  prometheus::Registry now;
  prometheus::BuildGauge()
      .Name("tollgate_build_info")
      .Help("Version and commit of this build")
      .Register(now)
      .Add({{"version", version_}, {"commit", commit_}})
      .Set(1);
  prometheus::BuildGauge()
      .Name("tollgate_config_info")
      .Help("Hash of the configuration in use")
      .Register(now)
      .Add({{"hash", config_hash_}})
      .Set(1);
  auto& reloads = prometheus::BuildCounter()
                      .Name("tollgate_config_reloads_total")
                      .Help("Configuration reloads: applied (ok) or refused (error)")
                      .Register(now);
  reloads.Add({{"result", "ok"}})
      .Increment(static_cast<double>(reloads_ok_.load(std::memory_order_relaxed)));
  reloads.Add({{"result", "error"}})
      .Increment(static_cast<double>(reloads_failed_.load(std::memory_order_relaxed)));
  prometheus::BuildGauge()
      .Name("tollgate_connections_open")
      .Help("Client connections open")
      .Register(now)
      .Add({})
      .Set(static_cast<double>(live_.connections()));
  prometheus::BuildGauge()
      .Name("tollgate_streams_in_flight")
      .Help("Streamed answers being sent")
      .Register(now)
      .Add({})
      .Set(static_cast<double>(live_.streams()));
  auto& breaker = prometheus::BuildGauge()
                      .Name("tollgate_circuit_breaker_state")
                      .Help("Per target: 0 closed, 1 open, 2 half-open")
                      .Register(now);
  if (breakers_) {
    for (const auto& b : breakers_()) {
      breaker.Add({{"model", b.model}, {"provider", b.provider}, {"target", b.target}})
          .Set(b.state);
    }
  }
  if (state_) add_state_families(now, state_());
  if (audit_) add_audit_families(now, audit_());
  merge_into(families, now.Collect());
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace tollgate::observability
