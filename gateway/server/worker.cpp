// Accept loops and drain bookkeeping for one worker thread.
#include "gateway/server/worker.h"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/log.h"
#include "gateway/server/idle_poll_window.h"
#include "gateway/server/session.h"

namespace tollgate::gateway::server {

namespace asio = boost::asio;
using asio::ip::tcp;

Worker::Worker(unsigned index, const core::ServerConfig& server, core::ConnectionObserver& observer,
               const core::HandlerFactory& make_handler)
    : index_(index), server_config_(server), observer_(observer) {
  if (make_handler) handler_ = make_handler(io_.get_executor());
  sweep_ = std::make_unique<core::DeadlineSweep>(io_.get_executor(), [this](auto now) {
    for (auto& session : sessions_) {
      if (session.watch_pending != nullptr) {
        std::exchange(session.watch_pending, nullptr)->on_sweep();
      }
      if (session.deadline.passed(now)) {
        session.deadline.disarm();
        if (session.close) session.close();
      }
    }
  });
}

Worker::~Worker() = default;

// With server.idle_poll_us set, the loop does not go to sleep in epoll_wait as soon as it
// has nothing to run: it polls (epoll_wait with a zero timeout) for a window first. A
// reply from the provider or the client's next request that arrives in that window is
// picked up without the wake-up of a sleeping thread. On a virtual machine that wake-up
// is tens of microseconds, paid twice per proxied request. The price is CPU, so the
// window adapts (IdlePollWindow): it stays whole while events keep coming within it and
// shrinks to nothing when they do not. HAProxy's `busy-polling` and Seastar's
// `--idle-poll-time-us` make the same trade with a fixed window.
void Worker::run() {
  auto guard = asio::make_work_guard(io_);
  if (server_config_.idle_poll.count() == 0) {
    io_.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  IdlePollWindow window(server_config_.idle_poll);
  while (!io_.stopped()) {
    if (io_.poll() != 0) continue;
    const auto until = clock::now() + window.current();
    bool woke = false;
    while (!woke && clock::now() < until) woke = io_.poll() != 0;
    if (woke) continue;
    const auto asleep = clock::now();
    io_.run_one();
    window.after_sleep(clock::now() - asleep);
  }
}

namespace {

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::ssl::context* tls,
                                  core::HttpHandler& handler, Worker& worker) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: log, breathe, go on; never spin.
      core::log_warn("accept failed: " + ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    start_session(std::move(socket), tls, handler, worker);
  }
}

}  // namespace

void Worker::listen(const core::HostPort& address, asio::ssl::context* tls,
                    core::HttpHandler& handler) {
  // Names like "localhost" resolve once, at startup; the first address wins.
  tcp::resolver resolver(io_);
  tcp::endpoint endpoint =
      resolver.resolve(address.host, std::to_string(address.port)).begin()->endpoint();
  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  acceptor->open(endpoint.protocol());
  acceptor->set_option(asio::socket_base::reuse_address(true));
  int one = 1;
  if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
  acceptor->bind(endpoint);
  acceptor->listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(io_, accept_loop(*acceptor, tls, handler, *this), asio::detached);
  acceptors_.push_back(std::move(acceptor));
}

void Worker::begin_drain() {
  asio::post(io_, [this] {
    draining_.store(true, std::memory_order_relaxed);
    for (auto& acceptor : acceptors_) {
      boost::system::error_code ec;
      acceptor->close(ec);
    }
    for (auto& session : sessions_) {
      if (session.idle && session.close) session.close();
    }
  });
}

std::list<SessionEntry>::iterator Worker::add_session(SessionEntry entry) {
  open_sessions_.fetch_add(1, std::memory_order_relaxed);
  return sessions_.insert(sessions_.end(), std::move(entry));
}

void Worker::remove_session(std::list<SessionEntry>::iterator it) {
  sessions_.erase(it);
  open_sessions_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace tollgate::gateway::server
