// The pipeline's core::Subrequests: a request the gateway makes on its own account (the
// cache's embeddings) goes to the router and providers of the parent request's runtime,
// on the parent's thread and upstream pool, through no stage. It runs in a coroutine of
// its own, so that a caller that stops waiting (timeout, the client hung up) is never held
// by it; the abandoned call is cancelled at once and holds its runtime until it ends.
#pragma once

#include "gateway/core/subrequest.h"
#include "gateway/core/upstream.h"
#include "gateway/pipeline/runtime.h"

namespace tollgate::gateway::pipeline {

class RuntimeSubrequests final : public core::Subrequests {
 public:
  // Both outlive the request (the handler's frame holds `runtime`; the worker the upstream).
  RuntimeSubrequests(const RuntimePtr& runtime, core::UpstreamTransport& upstream)
      : runtime_(runtime), upstream_(upstream) {}

  boost::asio::awaitable<void> call(core::Exchange& parent, core::Subrequest& request,
                                    core::SubrequestResult& result) override;

 private:
  const RuntimePtr& runtime_;
  core::UpstreamTransport& upstream_;
};

}  // namespace tollgate::gateway::pipeline
