// The one attempt driver: runs a Dialect as a core::Provider. It sends the request the
// dialect built, relays the answer whole or event by event through the dialect's
// translator, drops the usage chunk the gateway asked for on its own account, reads
// usage into the Exchange, ends a stream cut short (error event, [DONE], end), and says
// how the attempt went in the CallOutcome the router acts on. Once the client has a byte
// (sink.committed()) nothing but an error event is ever sent.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/provider.h"
#include "routing/providers/common/dialect.h"

namespace tollgate::routing::providers {

class DialectProvider final : public core::Provider {
 public:
  explicit DialectProvider(std::unique_ptr<Dialect> dialect) : dialect_(std::move(dialect)) {}
  const core::ProviderConfig& config() const override { return dialect_->config(); }
  boost::asio::awaitable<void> call(core::Exchange& exchange, const core::TargetConfig& target,
                                    core::CallContext context, core::CallOutcome& outcome) override;

 private:
  std::unique_ptr<Dialect> dialect_;
};

}  // namespace tollgate::routing::providers
