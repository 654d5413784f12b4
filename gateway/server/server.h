// The running gateway: worker threads with their listeners, the admin listener, TLS
// contexts, and the signal handling that drains on SIGTERM/SIGINT.
#pragma once

#include <memory>

#include "gateway/pipeline/runtime.h"

namespace tollgate::gateway::server {

// Runs until SIGTERM or SIGINT, then drains (up to server.drain_timeout) and returns
// the process exit code. Throws on startup errors (a port in use, a bad certificate).
int run_server(pipeline::RuntimePtr runtime);

}  // namespace tollgate::gateway::server
