// The base of the adapters that translate another dialect (Anthropic, Gemini). Their
// every path ends in an outcome, so they return one, and this base writes it through
// Provider::call's reference. They carry less traffic than the OpenAI-dialect ones,
// which write the outcome in place (see gateway/core/provider.h for why).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/core/provider.h"

namespace tollgate::routing::providers {

class TranslatingProvider : public core::Provider {
 public:
  boost::asio::awaitable<void> call(core::Exchange& exchange, const core::TargetConfig& target,
                                    core::CallContext context, core::CallOutcome& outcome) final {
    outcome = co_await translate_and_call(exchange, target, context);
  }

 protected:
  virtual boost::asio::awaitable<core::CallOutcome> translate_and_call(
      core::Exchange& exchange, const core::TargetConfig& target, core::CallContext& context) = 0;
};

}  // namespace tollgate::routing::providers
