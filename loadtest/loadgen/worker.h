// One load-generator thread (see worker.cpp for the schedule and the timing): its
// io_context, its connections and its Stats. engine.cpp starts the workers and reads
// their counters for the progress line; nothing here is shared between threads except
// what `Shared` holds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "loadtest/loadgen/engine.h"
#include "loadtest/loadgen/http_response.h"

namespace tollgate::loadgen {

using Clock = std::chrono::steady_clock;

// Set by interrupt_load (from a signal handler): every worker stops claiming requests.
inline std::atomic<bool> g_interrupted{false};
inline std::atomic<std::int64_t> g_interrupted_at{0};  // CLOCK_MONOTONIC ns, steady_clock's clock

// Per connection; also bounds a response head.
inline constexpr std::size_t kBufferSize = 16 * 1024;

// What all threads share. Times are written once, before the load starts (barrier).
struct Shared {
  Shared(const Options& o, const RequestSet& r, const Target& t)
      : options(o), requests(r), target(t) {}
  const Options& options;
  const RequestSet& requests;
  const Target& target;
  bool host_is_ip = false;
  Clock::time_point start, warmup_end, end;
  std::atomic<bool> started{false};
  std::atomic<std::uint64_t> measured_claims{0};  // only with --max-requests
  std::atomic<bool> max_reached{false};
  std::atomic<bool> told_connect{false};
  std::atomic<bool> told_protocol{false};
};

enum class Outcome { ok, status, connect, reset, timeout, protocol };

struct Connection {
  explicit Connection(boost::asio::io_context& io) : socket(io), timer(io) {}
  boost::asio::ip::tcp::socket socket;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls;
  boost::asio::steady_timer timer;  // open loop: waits for the next request's time
  std::unique_ptr<char[]> buffer;
  std::size_t begin = 0, end = 0;  // unread bytes in buffer
  ResponseParser parser;
  char digits[kCounterDigits];
  std::string joined;  // https: the request in one piece
  bool open = false;
  bool ever_opened = false;
  bool served = false;     // answered a request since it opened (TLS 1.3 sends tickets before)
  bool timed_out = false;  // the watchdog closed it
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point idle_since;
};

struct Slot {
  Clock::time_point at;  // when it was due (open loop) or started (closed loop)
  std::uint64_t number;  // picks the body and fills its counter
  bool measured;
};

// When the events of one answer arrived: time to the first, gaps between the next ones.
struct EventTimes {
  std::uint64_t seen = 0;
  Clock::duration ttft{};
  Clock::time_point last{};
};

class Worker {
 public:
  Worker(Shared& shared, unsigned index, unsigned threads, unsigned connections);

  // Opens every connection before the load starts (a failure shows again when it does).
  void connect_phase();
  // Runs this thread's share of the load until the schedule ends and the answers are in.
  void load_phase();

  Stats stats;
  Clock::time_point last_measured_send{};
  // Read by the progress line from the main thread.
  std::atomic<std::uint64_t> done{0};  // every ended request, warmup included
  std::atomic<std::uint64_t> failed{0};
  std::mutex snapshot_mutex;
  Histogram latency_snapshot;

 private:
  template <typename Awaitable>
  void spawn(Awaitable&& a);

  static void bump(std::atomic<std::uint64_t>& counter) {  // single writer: no locked add
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  void publish();
  bool claim(Slot& slot);
  void abandon_schedule();
  void close(Connection& c);
  bool peer_closed(Connection& c);
  void note_events(EventTimes& times, std::uint64_t events, const Slot& slot,
                   Clock::time_point started, Clock::time_point now);
  Outcome judge(const ResponseParser& parser, Outcome outcome);
  void settle(Connection& c, Outcome outcome, Clock::time_point now);
  void record(Connection& c, const Slot& slot, Clock::time_point started, Outcome outcome,
              Clock::time_point now, std::uint64_t bytes, Clock::duration ttft);
  boost::asio::awaitable<bool> connect(Connection& c);
  boost::asio::awaitable<void> preconnect(Connection& c);
  boost::asio::awaitable<void> connection_loop(Connection& c);
  boost::asio::awaitable<bool> exchange(Connection& c, const Slot& slot);
  boost::asio::awaitable<void> watchdog();

  Shared& shared_;
  const Options& options_;
  unsigned index_, threads_;
  bool open_loop_;
  boost::asio::io_context io_{1};
  std::vector<std::unique_ptr<Connection>> connections_;
  std::size_t active_ = 0;      // coroutines still running (the watchdog stops at zero)
  std::uint64_t next_ = 0;      // open loop: this thread's next request is index_ + next_ * T
  std::uint64_t sequence_ = 0;  // closed loop: requests started
  bool abandoned_ = false;
  double wake_early_ns_ = 0;  // open loop: the running mean of timer lateness
};

}  // namespace tollgate::loadgen
