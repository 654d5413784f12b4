// Provider: the second extension point, one attempt against one target. Every provider
// that calls upstream (OpenAI-compatible, Azure OpenAI, Anthropic, Gemini) is a pure
// dialect run by the one attempt driver (routing/providers/common/attempt_driver.h); the
// demo provider answers by itself. The router never knows which dialect it drives.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/failure.h"
#include "gateway/core/response.h"
#include "gateway/core/upstream.h"

namespace tollgate::core {

// How one attempt ended. When `failure` is none the client has its answer (which may be
// an error the provider gave, passed through). Otherwise nothing was sent unless
// `sink.committed()`, and the caller may retry, fall back or answer with an error.
struct CallOutcome {
  FailureClass failure = FailureClass::none;
  int upstream_status = 0;  // 0 when no answer arrived
  std::string detail;       // for logs; never a secret
  // The provider's own error answer, kept when failure != none so that it can be passed
  // through if no fallback helps.
  std::optional<Response> upstream_error;
};

struct CallContext {
  UpstreamTransport& upstream;
  ResponseSink& sink;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual const ProviderConfig& config() const = 0;
  // One attempt against `target` (a target of this provider); `outcome` (empty when the
  // call starts) says how it went. An out parameter, not a result: a coroutine keeps the
  // result of each co_await on its frame, and a stream holds every frame of the request
  // for minutes (a result was also copied at each layer).
  virtual boost::asio::awaitable<void> call(Exchange& exchange, const TargetConfig& target,
                                            CallContext context, CallOutcome& outcome) = 0;
};

}  // namespace tollgate::core
