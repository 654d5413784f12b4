// The request path of the public listeners: classify the path, run the stages' head
// phase, read and check the body, run the stages, pick a route, call the provider, and
// answer every failure in OpenAI's shape. One per worker thread, owning that thread's
// upstream transport; no Beast here, so it is testable without sockets.
#pragma once

#include <memory>

#include "gateway/core/http_handler.h"
#include "gateway/core/upstream.h"
#include "gateway/pipeline/runtime.h"

namespace tollgate::gateway::pipeline {

class ProxyHandler final : public core::HttpHandler {
 public:
  ProxyHandler(RuntimePtr runtime, std::unique_ptr<core::UpstreamTransport> upstream)
      : runtime_(std::move(runtime)), upstream_(std::move(upstream)) {}

  // Requests that start after this see the new runtime; those in flight keep theirs.
  void set_runtime(RuntimePtr runtime) { runtime_ = std::move(runtime); }

  core::ConfigPtr config() const override { return runtime_->config; }
  bool watches_client(const core::Exchange& exchange) const override;
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::RequestBody& body,
                                      core::ResponseSink& sink) override;

 private:
  RuntimePtr runtime_;
  std::unique_ptr<core::UpstreamTransport> upstream_;
};

// Which operation a path names, and whether `method` suits it. nullopt: unknown path.
struct PathMatch {
  core::Operation operation;
  bool method_allowed;
  bool is_model_item = false;  // GET /v1/models/{id}
};
std::optional<PathMatch> match_path(std::string_view method, std::string_view path);

}  // namespace tollgate::gateway::pipeline
