// The `limits` stage: holds each request to the rate limits, quotas and budgets of its
// key, user and team (429 with OpenAI's x-ratelimit-* headers on every response), and
// records what it used once it is done: tokens reconciled from the provider's usage,
// cost from `pricing`, into the usage ledger.
#pragma once

#include "gateway/core/stage.h"
#include "policies/limits/counter_store.h"
#include "policies/limits/limits_config.h"

namespace tollgate::policies::limits {

class LimitsStage final : public core::Stage {
 public:
  LimitsStage(LimitsConfig config, CounterStore& store, std::chrono::milliseconds lease)
      : config_(std::move(config)), store_(store), lease_(lease) {}

  std::string_view name() const override { return "limits"; }
  unsigned hooks() const override { return core::kRequest | core::kComplete; }
  boost::asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override;
  void on_complete(core::Exchange& exchange) override;

 private:
  std::vector<Scope> scopes_of(const core::Exchange& exchange) const;
  // Sets what the request reserves: tokens (prompt estimate + max_tokens, or the default
  // answer) and, when a scope has a budget, their cost at the highest price that may apply.
  void reserve(const core::Exchange& exchange, AdmitRequest& request) const;

  static constexpr std::int64_t kMaxTokens = std::int64_t{1} << 40;

  LimitsConfig config_;
  CounterStore& store_;
  std::chrono::milliseconds lease_;  // longest a request may hold a max_parallel slot
};

// OpenAI's duration form for x-ratelimit-reset-*: "20ms", "1.5s", "6m0s".
std::string format_reset(std::int64_t ms);

}  // namespace tollgate::policies::limits
