// The admin listener's endpoints: /healthz (the process is up) and /readyz (it takes
// traffic: 503 while draining). /metrics and /admin/* join later.
#pragma once

#include <functional>

#include "gateway/server/http_handler.h"

namespace tollgate::gateway::server {

class AdminHandler final : public HttpHandler {
 public:
  AdminHandler(std::function<core::ConfigPtr()> config, std::function<bool()> draining)
      : config_(std::move(config)), draining_(std::move(draining)) {}

  core::ConfigPtr config() const override { return config_(); }
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::ResponseSink& sink) override;

 private:
  std::function<core::ConfigPtr()> config_;
  std::function<bool()> draining_;
};

}  // namespace tollgate::gateway::server
