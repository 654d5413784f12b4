#include "gateway/upstream/host_resolver.h"

#include <algorithm>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/failure.h"

namespace tollgate::gateway::upstream {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using core::FailureClass;
using core::UpstreamError;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

// One getaddrinfo in flight. It touches only itself when it ends (the resolver that
// started it may be gone by then): it wakes the callers still waiting, each on a timer of
// its own, and keeps its answer until a caller reads it.
struct HostResolver::Lookup {
  bool finished = false;
  boost::system::error_code error;
  Results results;
  Clock::time_point at;
  std::vector<asio::steady_timer*> waiting;
};

HostResolver::HostResolver(asio::any_io_executor executor, Clock::duration ttl)
    : executor_(std::move(executor)), ttl_(ttl) {}

std::shared_ptr<HostResolver::Lookup> HostResolver::start(const std::string& host,
                                                          std::uint16_t port) {
  auto lookup = std::make_shared<Lookup>();
  asio::co_spawn(
      executor_,
      [lookup, host, port, executor = executor_]() -> awaitable<void> {
        tcp::resolver resolver(executor);
        auto [ec, results] =
            co_await resolver.async_resolve(host, std::to_string(port), tuple_awaitable);
        lookup->finished = true;
        lookup->error = ec;
        lookup->results = std::move(results);
        lookup->at = Clock::now();
        for (asio::steady_timer* timer : lookup->waiting) timer->cancel();
      },
      asio::detached);
  return lookup;
}

awaitable<HostResolver::Results> HostResolver::resolve(const std::string& host, std::uint16_t port,
                                                       Clock::duration limit,
                                                       core::AbortSignal* abort) {
  std::string key = host + ":" + std::to_string(port);
  auto now = Clock::now();
  if (auto it = answers_.find(key); it != answers_.end() && now - it->second.at < ttl_) {
    co_return it->second.results;
  }
  // A lookup still running is joined. One that ended is read only by those that waited
  // for it, or, once, by the next caller when it found an answer still fresh: a failure
  // nobody waited for is not handed to a caller that came later (it asks again).
  std::shared_ptr<Lookup>& slot = lookups_[key];
  if (!slot || (slot->finished && (slot->error || now - slot->at >= ttl_))) {
    slot = start(host, port);
  }
  std::shared_ptr<Lookup> lookup = slot;

  if (!lookup->finished) {
    asio::steady_timer wake(executor_);
    wake.expires_after(limit);
    lookup->waiting.push_back(&wake);
    // Whatever ends the wait (the answer, the deadline, a hang-up, the worker stopping),
    // the lookup must not keep a pointer to this timer, nor the signal a handler for it.
    struct Unhook {
      Lookup& lookup;
      asio::steady_timer& wake;
      core::AbortSignal* abort;
      ~Unhook() {
        std::erase(lookup.waiting, &wake);
        if (abort != nullptr) abort->clear();
      }
    } unhook{*lookup, wake, abort};
    if (abort != nullptr) abort->on_abort([&wake] { wake.cancel(); });
    if (abort == nullptr || !abort->aborted()) co_await wake.async_wait(tuple_awaitable);
  }
  if (!lookup->finished) {
    if (abort != nullptr && abort->aborted()) {
      throw UpstreamError(FailureClass::connect_error,
                          "resolving " + host + ": abandoned, the client hung up");
    }
    throw UpstreamError(FailureClass::timeout,
                        "resolving " + host + ": no answer within connect_timeout");
  }
  // The first caller to read a finished lookup moves its answer into the cache.
  if (auto it = lookups_.find(key); it != lookups_.end() && it->second == lookup) {
    lookups_.erase(it);
  }
  if (lookup->error) {
    throw UpstreamError(FailureClass::connect_error,
                        "resolving " + host + ": " + lookup->error.message());
  }
  answers_[key] = {lookup->results, lookup->at};
  co_return lookup->results;
}

}  // namespace tollgate::gateway::upstream
