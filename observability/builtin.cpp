#include "observability/builtin.h"

#include "gateway/core/config_reader.h"
#include "gateway/core/log.h"
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

// `logging: {level: info, access_log: true}`.
void apply_logging(const core::Config& config) {
  const YAML::Node section = config.root["logging"];
  if (!core::ConfigReader::has(section)) return;
  core::ConfigReader r(config.source);
  r.require_map(section, "logging");
  r.check_keys(section, "logging", {"level", "access_log"});
  if (r.has(section["level"])) {
    std::string level = r.string_of(section["level"], "logging.level");
    if (level == "debug") {
      core::set_log_level(core::LogLevel::debug);
    } else if (level == "info") {
      core::set_log_level(core::LogLevel::info);
    } else if (level == "warn") {
      core::set_log_level(core::LogLevel::warn);
    } else if (level == "error") {
      core::set_log_level(core::LogLevel::error);
    } else {
      r.fail(section["level"], "logging.level", "must be debug, info, warn or error");
    }
  }
}

bool access_log_enabled(const core::Config& config) {
  const YAML::Node section = config.root["logging"];
  if (!core::ConfigReader::has(section) || !core::ConfigReader::has(section["access_log"])) {
    return true;
  }
  return core::ConfigReader(config.source).bool_of(section["access_log"], "logging.access_log");
}

}  // namespace

std::string config_hash(const core::Config& config) {
  return core::sha256_hex(YAML::Dump(config.root)).substr(0, 12);
}

Observability::Observability(const core::Config& config, std::string version, std::string commit)
    : metrics_(std::make_unique<GatewayMetrics>(read_metrics_config(config), std::move(version),
                                                std::move(commit))) {
  apply_logging(config);
  AuditConfig audit = read_audit_config(config);
  if (!audit.path.empty()) {
    audit_ = std::make_unique<AuditLog>(audit);
    metrics_->set_audit_source([log = audit_.get()] { return log->health(); });
    core::log_info("audit log: " + audit.path);
  }
  metrics_->set_config_hash(config_hash(config));
  metrics_endpoint_ = std::make_unique<MetricsEndpoint>(*metrics_);
  access_log_ = access_log_enabled(config);
}

Observability::~Observability() = default;

void Observability::register_stages(core::StageRegistry& registry) {
  registry.add("observe", [this](const YAML::Node&, const core::Config&) {
    return std::make_unique<ObserveStage>(*metrics_, audit_.get(), access_log_);
  });
}

std::vector<core::AdminEndpoint*> Observability::admin_endpoints() {
  return {metrics_endpoint_.get()};
}

void Observability::flush() {
  if (audit_) audit_->flush();
}

std::vector<std::string> Observability::config_sections() {
  return {"metrics", "audit", "logging"};
}

}  // namespace tollgate::observability
