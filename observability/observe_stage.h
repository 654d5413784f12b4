// The `observe` stage: runs first, so its on_complete runs last, once every other stage
// has said what it decided. On the request's head it takes or starts the W3C trace context; on
// completion it records the request's metrics, queues its audit line, and writes the
// access log line (both buffered, written by their own threads).
#pragma once

#include "gateway/core/stage.h"
#include "observability/access_log.h"
#include "observability/audit/audit_log.h"
#include "observability/metrics/gateway_metrics.h"

namespace tollgate::observability {

class ObserveStage final : public core::Stage {
 public:
  // `access_log`: null when `logging.access_log` is off. `include_bodies`:
  // audit.include_bodies of this stage's snapshot (a reload may change it).
  ObserveStage(GatewayMetrics& metrics, AuditLog* audit, AccessLog* access_log, bool include_bodies)
      : metrics_(metrics),
        audit_(audit),
        access_log_(access_log),
        bodies_(audit != nullptr && include_bodies) {}

  std::string_view name() const override { return "observe"; }
  // The answer's body only when bodies are audited: otherwise events skip the chunk hooks.
  unsigned hooks() const override {
    return core::kRequestHead | core::kComplete | (bodies_ ? core::kResponse | core::kChunk : 0u);
  }
  boost::asio::awaitable<core::Decision> on_request_head(core::Exchange& exchange) override;
  // With audit.include_bodies, keep what the client was answered for the audit line.
  void on_response(core::Exchange& exchange, core::Response& response) override;
  void on_chunk(core::Exchange& exchange, core::Events& events) override;
  void on_complete(core::Exchange& exchange) override;

 private:
  GatewayMetrics& metrics_;
  AuditLog* audit_;  // null: no audit log configured
  AccessLog* access_log_;
  bool bodies_;  // the audit line records the bodies
};

// Sets exchange.trace_id/parent_span_id/span_id and the traceparent sent upstream.
void start_trace(core::Exchange& exchange);

// The audit line for a finished request (a JSON object without "prev"). `response_body`
// is null unless bodies are audited: the answer as sent (for streams, each event's data,
// one per line).
std::string audit_record(const core::Exchange& exchange, bool include_bodies,
                         const std::string* response_body = nullptr);
// The access log fields for a finished request.
std::string access_fields(const core::Exchange& exchange);
// The same, appended to `out`: the stage writes each into a buffer of the thread's own,
// reused request after request.
void append_audit_record(std::string& out, const core::Exchange& exchange, bool include_bodies,
                         const std::string* response_body = nullptr);
void append_access_fields(std::string& out, const core::Exchange& exchange);

}  // namespace tollgate::observability
