// The state's part of /readyz: with state.fail_readiness_on_write_error, 503 while the
// SQLite file refuses writes, so a load balancer sends traffic to replicas that can
// record it. The admin handler asks it only when the process is not draining.
#pragma once

#include "gateway/core/admin_endpoint.h"
#include "state/state_services.h"

namespace tollgate::state {

class StateReadiness final : public core::AdminEndpoint {
 public:
  explicit StateReadiness(const StateServices& services) : services_(services) {}
  bool matches(std::string_view path) const override { return path == "/readyz"; }
  bool requires_admin_key() const override { return false; }
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::Response& response) override;

 private:
  const StateServices& services_;
};

}  // namespace tollgate::state
