// The request path of the public listeners: classify the path, run the stages' head
// phase, read and check the body, run the stages, pick a route, call the provider, and
// answer every failure in OpenAI's shape. One per worker thread, owning that thread's
// upstream transport; no Beast here, so it is testable without sockets.
#pragma once

#include <memory>

#include "gateway/core/http_handler.h"
#include "gateway/core/upstream.h"
#include "gateway/pipeline/runtime.h"
#include "gateway/pipeline/runtime_switch.h"

namespace tollgate::gateway::pipeline {

class ProxyHandler final : public core::HttpHandler {
 public:
  // `slot`: this worker's current runtime, which a reload replaces (RuntimeSwitch).
  ProxyHandler(std::shared_ptr<RuntimeSlot> slot, std::unique_ptr<core::UpstreamTransport> upstream)
      : slot_(std::move(slot)), upstream_(std::move(upstream)) {}
  ProxyHandler(RuntimePtr runtime, std::unique_ptr<core::UpstreamTransport> upstream)
      : ProxyHandler(std::make_shared<RuntimeSlot>(RuntimeSlot{std::move(runtime)}),
                     std::move(upstream)) {}

  // Requests that start after this see the new runtime; those in flight keep theirs.
  void set_runtime(RuntimePtr runtime) { slot_->runtime = std::move(runtime); }

  core::ConfigPtr config() const override { return slot_->runtime->config; }
  bool watches_client(const core::Exchange& exchange) const override;
  boost::asio::awaitable<void> handle(core::Exchange& exchange, core::RequestBody& body,
                                      core::ResponseSink& sink) override;

 private:
  std::shared_ptr<RuntimeSlot> slot_;
  std::unique_ptr<core::UpstreamTransport> upstream_;
};

// Which operation a path names, and whether `method` suits it. nullopt: unknown path.
struct PathMatch {
  core::Operation operation;
  bool method_allowed;
  bool is_model_item = false;  // GET /v1/models/{id}
  core::Ingress ingress = core::Ingress::openai;
  std::string_view allow = "POST";  // a 405's allow header
};
std::optional<PathMatch> match_path(std::string_view method, std::string_view path);

}  // namespace tollgate::gateway::pipeline
