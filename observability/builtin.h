// What observability brings to the process: the metrics registry and /metrics, the
// audit log, access logs and the `observe` stage. main() makes one before the policies
// (so `observe` is the first stage and its on_complete the last).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/admin_endpoint.h"
#include "gateway/core/registry.h"
#include "observability/audit/audit_log.h"
#include "observability/metrics/gateway_metrics.h"

namespace tollgate::observability {

class Observability {
 public:
  // Reads `metrics`, `audit` and `logging`; opens the audit log. Throws on bad settings.
  Observability(const core::Config& config, std::string version, std::string commit);
  ~Observability();

  void register_stages(core::StageRegistry& registry);
  std::vector<core::AdminEndpoint*> admin_endpoints();
  GatewayMetrics& metrics() { return *metrics_; }
  // Writes out and fsyncs the audit log (shutdown).
  void flush();

  static std::vector<std::string> config_sections();

 private:
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<core::AdminEndpoint> metrics_endpoint_;
  bool access_log_ = true;
};

// The hash shown as tollgate_config_info{hash}: SHA-256 of the expanded config (first 12
// hex digits).
std::string config_hash(const core::Config& config);

}  // namespace tollgate::observability
