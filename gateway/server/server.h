// The running gateway: worker threads with their listeners, the admin listener, TLS
// contexts, and the signal handling that drains on SIGTERM/SIGINT.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "gateway/core/admin_endpoint.h"
#include "gateway/core/http_handler.h"

namespace tollgate::gateway::server {

// Runs until SIGTERM or SIGINT, then drains (up to server.drain_timeout) and returns
// the process exit code. Throws on startup errors (a port in use, a bad certificate).
// Each worker gets its own handler from `make_proxy`; `admin_endpoints` are served under
// /admin/ on the admin listener; `observer` hears of connections and streams;
// `on_hangup` runs on SIGHUP (the reload), on the control thread.
int run_server(core::ConfigPtr config, const core::HandlerFactory& make_proxy,
               core::ConnectionObserver& observer,
               std::vector<core::AdminEndpoint*> admin_endpoints,
               std::function<void()> on_hangup = nullptr);

}  // namespace tollgate::gateway::server
