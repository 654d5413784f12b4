// The admin listener's endpoints: /healthz (the process is up), /readyz (it takes
// traffic: 503 while draining), and the /admin/* endpoints policies add (keys, usage),
// which need `Authorization: Bearer <server.admin_key>`.
#pragma once

#include <functional>
#include <vector>

#include "gateway/core/admin_endpoint.h"
#include "gateway/core/http_handler.h"

namespace tollgate::gateway::server {

class AdminHandler final : public core::HttpHandler {
 public:
  AdminHandler(std::function<core::ConfigPtr()> config, std::function<bool()> draining,
               std::vector<core::AdminEndpoint*> endpoints)
      : config_(std::move(config)),
        draining_(std::move(draining)),
        endpoints_(std::move(endpoints)) {}

  core::ConfigPtr config() const override { return config_(); }
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::RequestBody& body,
                                      core::ResponseSink& sink) override;

 private:
  std::function<core::ConfigPtr()> config_;
  std::function<bool()> draining_;
  std::vector<core::AdminEndpoint*> endpoints_;
};

}  // namespace tollgate::gateway::server
