// What a session hands each request to: the proxy pipeline on the public listeners, the
// admin endpoints on the admin listener. A handler never sees Beast: it gets the Exchange
// with the request's head, reads the body when it decides to, and answers through a
// ResponseSink (Beast's "pure request handler" idea). In core so that the server and the
// pipeline depend on it and not on each other.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::core {

// The request's body, read on demand: a handler first looks at the head (who is asking,
// for what) and reads the body only when the request may go on.
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  // Reads the whole body into exchange.body, answering `Expect: 100-continue` first. When
  // it cannot be read, returns false with `refusal` set to what the client must be told
  // (413 too large, 400 malformed), or with refusal.status 0 when the client is gone;
  // the connection closes after the answer either way.
  virtual boost::asio::awaitable<bool> read(Exchange& exchange, Response& refusal) = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // The config snapshot the exchange will run under (set before handle()).
  virtual ConfigPtr config() const = 0;
  // Whether the session should watch for the client hanging up while this request runs
  // once its body is read (worth it only when the answer may take long: provider calls).
  virtual bool watches_client(const Exchange&) const { return false; }
  // `exchange` has the head: method, target, path, headers, request id, client address.
  virtual boost::asio::awaitable<void> handle(Exchange& exchange, RequestBody& body,
                                              ResponseSink& sink) = 0;
};

// Makes one worker's handler, on that worker's thread, with its executor (for what the
// handler keeps per thread, such as an upstream connection pool).
using HandlerFactory =
    std::function<std::unique_ptr<HttpHandler>(const boost::asio::any_io_executor& executor)>;

// Told when connections and streams open and close (the metrics' live gauges), so that
// the server does not depend on who counts them.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void connection_opened() {}
  virtual void connection_closed() {}
  virtual void stream_opened() {}
  virtual void stream_closed() {}
};

}  // namespace tollgate::core
