// Picks where a request goes and carries it there: routing rules rewrite the model,
// then the model's chain (itself, then its fallbacks) is tried target by target, per
// the model's strategy, skipping open circuit breakers, retrying with jittered backoff,
// until one answers or the chain is spent. The router drives Providers and never knows
// which dialect each speaks. Built once per config; shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/config.h"
#include "gateway/core/provider.h"
#include "routing/target_choice.h"

namespace tollgate::routing {

using ProviderMap = std::unordered_map<std::string, std::unique_ptr<core::Provider>>;

class Router {
 public:
  // `previous`: the router of the config being replaced by a reload; a target that is
  // still there (same model, provider and provider model) keeps its breaker and latency.
  explicit Router(const core::Config& config, const Router* previous = nullptr);
  ~Router();

  // The configured model this request goes to, after routing rules (recorded in
  // exchange.route_rule). Null when there is no such model.
  const core::ModelConfig* resolve(core::Exchange& exchange) const;

  // Serves the request on `model`'s chain. `outcome` becomes the last attempt's: none
  // when the client has its answer. Sets x-tollgate-provider, -model and -attempts.
  // (An out parameter, not a result: a coroutine keeps each co_await's result on its
  // frame, and a stream holds the frames for minutes.)
  boost::asio::awaitable<void> serve(core::Exchange& exchange, const core::ModelConfig& model,
                                     const ProviderMap& providers, core::CallContext& context,
                                     core::CallOutcome& outcome);

  // For tests and metrics: the health of a model's target, or null.
  const TargetHealth* health(std::string_view model, std::size_t target) const;

 private:
  // The health of `name` ("model/provider/target-model") in this router, or null.
  std::shared_ptr<TargetHealth> find_health(const std::string& model,
                                            const std::string& name) const;

  const core::Config& config_;
  std::unordered_map<std::string, std::unique_ptr<ModelTargets>> models_;
  // Per model: its targets, then each fallback's (each model once), found at startup.
  std::unordered_map<const core::ModelConfig*, std::vector<ModelTargets*>> chains_;
};

}  // namespace tollgate::routing
