// What a session hands each request to: the proxy pipeline on the public listeners,
// the admin endpoints on the admin listener. A handler never sees Beast: it gets the
// Exchange and answers through a ResponseSink (Beast's "pure request handler" idea).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::gateway::server {

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // The config snapshot the exchange will run under (set before handle()).
  virtual core::ConfigPtr config() const = 0;
  // Whether the session should watch for the client hanging up while this request
  // runs (worth it only when the answer may take long: provider calls).
  virtual bool watches_client(const core::Exchange&) const { return false; }
  virtual boost::asio::awaitable<void> handle(core::Exchange& exchange,
                                              core::ResponseSink& sink) = 0;
};

}  // namespace tollgate::gateway::server
