// The admin endpoints of hot reload (admin key required): POST /admin/reload re-reads the
// configuration and answers what was applied or why it was refused (400
// config_rejected, the old configuration still serving); GET /admin/config shows the
// configuration serving now (config_view.h).
#pragma once

#include "gateway/core/admin_endpoint.h"
#include "gateway/reload/reloader.h"

namespace tollgate::gateway::reload {

class ConfigEndpoints final : public core::AdminEndpoint {
 public:
  explicit ConfigEndpoints(Reloader& reloader) : reloader_(reloader) {}

  bool matches(std::string_view path) const override;
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::Response& response) override;

 private:
  Reloader& reloader_;
};

}  // namespace tollgate::gateway::reload
