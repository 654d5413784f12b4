// What observability brings to the process: the metrics registry and /metrics, the audit
// log and the log settings (made once, from `metrics:`, `audit:` and `logging:`), and the
// `observe` stage of every snapshot, which records into them.
#include "gateway/core/config_reader.h"
#include "gateway/core/health_sources.h"
#include "gateway/core/log.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/reload_events.h"
#include "gateway/core/sha256.h"
#include "observability/observe_stage.h"

namespace tollgate::observability {

namespace {

// GET /metrics: Prometheus's text format. Open like /healthz (scrapers carry no key);
// the admin listener belongs on loopback or a private network.
class MetricsEndpoint final : public core::AdminEndpoint {
 public:
  explicit MetricsEndpoint(GatewayMetrics& metrics) : metrics_(metrics) {}
  bool matches(std::string_view path) const override { return path == "/metrics"; }
  bool requires_admin_key() const override { return false; }
  boost::asio::awaitable<void> handle(core::Exchange&, core::Response& response) override {
    response.status = 200;
    response.headers.set("content-type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics_.scrape();
    co_return;
  }

 private:
  GatewayMetrics& metrics_;
};

struct ObservabilitySettings {
  MetricsConfig metrics;
  AuditConfig audit;
  std::optional<core::LogLevel> log_level;  // `logging.level`; absent: unchanged
  bool access_log = true;                   // `logging.access_log`
  std::string config_hash;                  // tollgate_config_info{hash}
};

// `logging: {level: info, access_log: true}`.
void read_logging(const core::ConfigReader& r, const YAML::Node& section,
                  ObservabilitySettings& out) {
  if (!r.has(section)) return;
  if (r.has(section["level"])) {
    std::string level = r.string_of(section["level"], "logging.level");
    if (level == "debug") {
      out.log_level = core::LogLevel::debug;
    } else if (level == "info") {
      out.log_level = core::LogLevel::info;
    } else if (level == "warn") {
      out.log_level = core::LogLevel::warn;
    } else if (level == "error") {
      out.log_level = core::LogLevel::error;
    } else {
      r.fail(section["level"], "logging.level", "must be debug, info, warn or error");
    }
  }
  if (r.has(section["access_log"])) {
    out.access_log = r.bool_of(section["access_log"], "logging.access_log");
  }
}

ObservabilitySettings read_settings(const core::ConfigReader& r, const core::Config& config) {
  ObservabilitySettings out;
  out.metrics = read_metrics_config(config);
  out.audit = read_audit_config(config);
  read_logging(r, config.root["logging"], out);
  // SHA-256 of the expanded config, first 12 hex digits.
  out.config_hash = core::sha256_hex(YAML::Dump(config.root)).substr(0, 12);
  return out;
}

// What the observe stage records into.
struct ObserveTargets {
  GatewayMetrics& metrics;
  AuditLog* audit;  // null: no audit log configured
  AccessLog& access_log;
};

class ObservabilityModule final : public core::Module {
 public:
  ObservabilityModule(const ObservabilitySettings& settings, core::Services& services)
      : metrics_(settings.metrics, build_info(services).version, build_info(services).commit),
        metrics_endpoint_(metrics_) {
    if (settings.log_level) core::set_log_level(*settings.log_level);
    if (!settings.audit.path.empty()) {
      audit_ = std::make_unique<AuditLog>(settings.audit);
      metrics_.set_audit_source([log = audit_.get()] { return log->health(); });
      core::log_info("audit log: " + settings.audit.path);
    }
    metrics_.set_config_hash(settings.config_hash);
    if (const auto* breakers = services.find<core::BreakerSource>()) {
      metrics_.set_breaker_source([breakers] { return breakers->breakers(); });
    }
    if (const auto* store = services.find<core::StoreHealthSource>()) {
      metrics_.set_state_source([store] { return store->store_health(); });
    }
    targets_ =
        std::make_unique<ObserveTargets>(ObserveTargets{metrics_, audit_.get(), access_log_});
    services.provide<GatewayMetrics>(metrics_);
    services.provide<core::ConnectionObserver>(metrics_.live());
    services.provide<ObserveTargets>(*targets_);
    services.provide<core::ReloadEvents>(reload_events_);
  }

  std::vector<core::AdminEndpoint*> admin_endpoints() override { return {&metrics_endpoint_}; }
  // A reload: the log level (the access log is each snapshot's own), the config's hash.
  void reconfigure(const core::ConfigReader& r, const core::Config& config) override {
    ObservabilitySettings settings = read_settings(r, config);
    core::set_log_level(settings.log_level.value_or(core::LogLevel::info));
    metrics_.set_config_hash(settings.config_hash);
    if (audit_) audit_->retune(settings.audit);
  }
  // Writes out and fsyncs the audit log, and writes out the access log's buffers.
  void flush() override {
    if (audit_) audit_->flush();
    access_log_.flush();
  }

 private:
  static core::BuildInfo build_info(const core::Services& services) {
    const auto* info = services.find<core::BuildInfo>();
    return info != nullptr ? *info : core::BuildInfo{};
  }

  // Counts reloads in tollgate_config_reloads_total{result}.
  struct ReloadCounter final : core::ReloadEvents {
    explicit ReloadCounter(GatewayMetrics& metrics) : metrics(metrics) {}
    void reloaded(bool ok) override { metrics.count_reload(ok); }
    GatewayMetrics& metrics;
  };

  GatewayMetrics metrics_;
  ReloadCounter reload_events_{metrics_};
  MetricsEndpoint metrics_endpoint_;
  std::unique_ptr<AuditLog> audit_;
  AccessLog access_log_;  // its writer thread idles (no wake-up) while nothing is logged
  std::unique_ptr<ObserveTargets> targets_;
};

const core::Registration kModule{core::ModuleSpec<ObservabilitySettings>{
    .name = "observability",
    .position = 100,
    .sections = {{.name = "metrics", .keys = {"per_key_labels"}},
                 {.name = "audit",
                  .keys = {"path", "fsync_interval", "rotate", "include_bodies"},
                  .reloadable_keys = {"include_bodies", "fsync_interval", "rotate"}},
                 {.name = "logging", .keys = {"level", "access_log"}, .reloadable = true}},
    .read = read_settings,
    .make = [](const ObservabilitySettings& settings,
               core::Services& services) -> std::unique_ptr<core::Module> {
      return std::make_unique<ObservabilityModule>(settings, services);
    }}};

// First in the default pipeline, so its on_complete runs last and sees every other
// stage's decisions.
// What the observe stage reads of `logging:` for its snapshot (a reload may turn the
// access log on or off; the section is the module's).
struct ObserveSettings {
  bool access_log = true;
  bool include_bodies = false;  // audit.include_bodies: the rest of audit: takes a restart
};

const core::Registration kObserveStage{core::StageSpec<ObserveSettings>{
    .name = "observe",
    .position = 0,
    .required_because =
        "without it no metrics, audit log, access log or trace context are recorded; list it "
        "first, so it sees every other stage's decisions",
    .read =
        [](const core::ConfigReader& r, const core::Config& config) {
          ObservabilitySettings logging;
          read_logging(r, config.root["logging"], logging);
          return ObserveSettings{logging.access_log, read_audit_config(config).include_bodies};
        },
    .make = [](const ObserveSettings& settings,
               const core::Services& services) -> std::unique_ptr<core::Stage> {
      const auto& targets = services.get<ObserveTargets>();
      return std::make_unique<ObserveStage>(targets.metrics, targets.audit,
                                            settings.access_log ? &targets.access_log : nullptr,
                                            settings.include_bodies);
    }}};

}  // namespace

}  // namespace tollgate::observability
