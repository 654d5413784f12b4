// Host name lookups for one worker's provider connections: answers kept for a while, one
// lookup in flight per host whoever asks, and every wait for one bounded.
//
// Asio resolves on a thread of its own with getaddrinfo, which cannot be cancelled: a
// resolver that never answers holds it for glibc's whole timeout (5 s an attempt, two
// attempts a server). A caller waits for the lookup with a deadline of its own (the
// provider's connect_timeout) and stops waiting when its client hangs up; the lookup
// runs on without it and leaves its answer for the next caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/core/abort_signal.h"

namespace tollgate::gateway::upstream {

class HostResolver {
 public:
  using Results = boost::asio::ip::tcp::resolver::results_type;
  using Clock = std::chrono::steady_clock;

  HostResolver(boost::asio::any_io_executor executor, Clock::duration ttl);

  // The addresses of host:port. Throws core::UpstreamError: timeout when no answer came
  // within `limit`, connect_error when the lookup failed or `abort` fired while waiting.
  boost::asio::awaitable<Results> resolve(const std::string& host, std::uint16_t port,
                                          Clock::duration limit, core::AbortSignal* abort);

 private:
  struct Lookup;
  struct Answer {
    Results results;
    Clock::time_point at;
  };

  std::shared_ptr<Lookup> start(const std::string& host, std::uint16_t port);

  boost::asio::any_io_executor executor_;
  Clock::duration ttl_;
  std::unordered_map<std::string, Answer> answers_;
  std::unordered_map<std::string, std::shared_ptr<Lookup>> lookups_;  // in flight or unread
};

}  // namespace tollgate::gateway::upstream
