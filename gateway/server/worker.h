// One worker: one thread, one io_context, its own listeners (SO_REUSEPORT, so the
// kernel spreads connections), its own handler (the proxy pipeline, made by the factory
// main gives it, with its own upstream pool), and a list of its open sessions for
// draining. Nothing here is shared with other workers.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/core/config.h"
#include "gateway/core/deadline.h"
#include "gateway/core/http_handler.h"

namespace boost::asio::ssl {
class context;
}

namespace tollgate::gateway::server {

// Something a session leaves for its worker's next sweep (on the worker's thread).
class SweepTask {
 public:
  virtual void on_sweep() = 0;

 protected:
  ~SweepTask() = default;
};

// What a session needs from its worker.
struct SessionEntry {
  bool idle = true;             // waiting for the next request: may be closed to drain
  std::function<void()> close;  // cancels the session's socket
  // When the read or write in progress on the client connection must have finished; the
  // worker's sweep cancels the socket once it has passed.
  core::Deadline deadline;
  // The watch for the client hanging up, started by the next sweep (within
  // core::kDeadlineSweepInterval) unless the request has ended by then: most requests
  // through a fast provider or from the cache end first and never pay for a watch (a
  // receive, its cancel and its completion). Cleared by the session when the request ends.
  SweepTask* watch_pending = nullptr;
};

class Worker {
 public:
  // `make_handler` may be empty: the admin listener's worker serves only the handler it is
  // given in listen(), and builds no proxy.
  Worker(unsigned index, const core::ServerConfig& server, core::ConnectionObserver& observer,
         const core::HandlerFactory& make_handler);
  ~Worker();

  unsigned index() const { return index_; }
  boost::asio::io_context& io() { return io_; }
  // The handler the factory made (null without one).
  core::HttpHandler* handler() { return handler_.get(); }
  const core::ServerConfig& server_config() const { return server_config_; }
  core::ConnectionObserver& observer() { return observer_; }

  // Runs the event loop on the calling thread until io() is stopped.
  void run();

  // Binds and starts accepting. `tls` may be null (plain HTTP). Throws on bind errors.
  void listen(const core::HostPort& address, boost::asio::ssl::context* tls,
              core::HttpHandler& handler);

  // Called from any thread: posts to this worker. Stops accepting, closes idle
  // keep-alive connections; busy ones close after their current response.
  void begin_drain();
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  int open_sessions() const { return open_sessions_.load(std::memory_order_relaxed); }

  // Session bookkeeping (called on this worker's thread only).
  std::list<SessionEntry>::iterator add_session(SessionEntry entry);
  void remove_session(std::list<SessionEntry>::iterator it);

 private:
  unsigned index_;
  // Before io_, so it outlives it: destroying io_ destroys the sessions' suspended
  // coroutines, and their locals still reach their entries (SessionEntry::watch_pending).
  std::list<SessionEntry> sessions_;
  boost::asio::io_context io_{1};
  core::ServerConfig server_config_;
  core::ConnectionObserver& observer_;
  std::unique_ptr<core::HttpHandler> handler_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  // Cancels sessions whose deadline has passed.
  std::unique_ptr<core::DeadlineSweep> sweep_;
  std::atomic<bool> draining_{false};
  std::atomic<int> open_sessions_{0};
};

}  // namespace tollgate::gateway::server
