// The load generator's engine (see engine.h). One Worker per thread owns an io_context,
// its connections and its Stats; threads share only the start time, the --max-requests
// count and the interrupt flag.
//
// Open loop: request i is due at start + i/R; thread t sends the requests i ≡ t (mod T).
// A free connection takes the next due request of its thread and waits for its time, so
// when every connection is busy a due request waits for the first one to free up, and its
// latency still counts from when it was due (no coordinated omission). Nothing is skipped
// when the generator falls behind: the schedule drains after the end (at most --timeout
// past it; what is left then counts as timed out) and the achieved rate shows the lag.
// Waking from a timer takes tens of µs on a VM, which would count as latency: the timer is
// set that much early (a running mean), and a request that so leaves before it is due
// counts from when it left. Measured against the mock at 2000 req/s, this moved the
// send time from 70 µs late (median) to within ±25 µs of due.
//
// Closed loop: each connection sends its next request as soon as the last one ended.
//
// Timeouts: a watchdog per thread wakes every 100 ms and closes the socket of any
// request past its deadline, rather than arming a timer per request.
#include "loadtest/loadgen/engine.h"

#include <sys/prctl.h>
#include <sys/socket.h>

#include <atomic>
#include <barrier>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "loadtest/loadgen/http_response.h"

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// Per connection; also bounds a response head.
constexpr std::size_t kBufferSize = 16 * 1024;
constexpr auto kWatchdogTick = std::chrono::milliseconds(100);
// Closed loop: the pause after a failed connect, so a refusing server is not hammered.
constexpr auto kConnectBackoff = std::chrono::milliseconds(100);
// Open loop: bounds how early a request may leave (see the top of this file).
constexpr double kMaxWakeEarlyNs = 200'000;
// A connection idle this long is checked for a close by the server before it is used.
constexpr auto kStaleAfter = std::chrono::milliseconds(50);

std::atomic<bool> g_interrupted{false};
std::atomic<std::int64_t> g_interrupted_at{0};  // CLOCK_MONOTONIC ns, steady_clock's clock

std::uint64_t micros(Clock::duration d) {
  auto ns = duration_cast<nanoseconds>(d).count();
  return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns + 500) / 1000);
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

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
  explicit Connection(asio::io_context& io) : socket(io), timer(io) {}
  tcp::socket socket;
  std::optional<asio::ssl::stream<tcp::socket&>> tls;
  asio::steady_timer timer;  // open loop: waits for the next request's time
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

class Worker {
 public:
  Worker(Shared& shared, unsigned index, unsigned threads, unsigned connections)
      : shared_(shared),
        options_(shared.options),
        index_(index),
        threads_(threads),
        open_loop_(shared.options.open_loop()) {
    for (unsigned i = 0; i < connections; ++i)
      connections_.push_back(std::make_unique<Connection>(io_));
  }

  void connect_phase() {
    active_ = connections_.size();
    for (auto& c : connections_) spawn(preconnect(*c));
    spawn(watchdog());
    io_.run();
  }

  void load_phase() {
    io_.restart();
    active_ = connections_.size();
    for (auto& c : connections_) spawn(connection_loop(*c));
    spawn(watchdog());
    io_.run();
    publish();
  }

  Stats stats;
  Clock::time_point last_measured_send{};
  // Read by the progress line from the main thread.
  std::atomic<std::uint64_t> done{0};  // every ended request, warmup included
  std::atomic<std::uint64_t> failed{0};
  std::mutex snapshot_mutex;
  Histogram latency_snapshot;

 private:
  template <typename Awaitable>
  void spawn(Awaitable&& a) {
    asio::co_spawn(io_, std::forward<Awaitable>(a), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "loadgen: internal error: " << ex.what() << "\n";
      }
    });
  }

  static void bump(std::atomic<std::uint64_t>& counter) {  // single writer: no locked add
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  void publish() {
    std::lock_guard lock(snapshot_mutex);
    latency_snapshot = stats.latency;
  }

  bool claim(Slot& slot);
  void abandon_schedule();
  void close(Connection& c);
  bool peer_closed(Connection& c);
  void record(Connection& c, const Slot& slot, Clock::time_point started, Outcome outcome,
              Clock::time_point now, std::uint64_t bytes, Clock::duration ttft);
  awaitable<bool> connect(Connection& c);
  awaitable<void> preconnect(Connection& c);
  awaitable<void> connection_loop(Connection& c);
  awaitable<bool> exchange(Connection& c, const Slot& slot);
  awaitable<void> watchdog();

  Shared& shared_;
  const Options& options_;
  unsigned index_, threads_;
  bool open_loop_;
  asio::io_context io_{1};
  std::vector<std::unique_ptr<Connection>> connections_;
  std::size_t active_ = 0;      // coroutines still running (the watchdog stops at zero)
  std::uint64_t next_ = 0;      // open loop: this thread's next request is index_ + next_ * T
  std::uint64_t sequence_ = 0;  // closed loop: requests started
  bool abandoned_ = false;
  double wake_early_ns_ = 0;  // open loop: the running mean of timer lateness
};

bool Worker::claim(Slot& slot) {
  if (g_interrupted.load(std::memory_order_relaxed) ||
      shared_.max_reached.load(std::memory_order_relaxed))
    return false;
  Clock::time_point at;
  std::uint64_t number;
  if (open_loop_) {
    number = index_ + next_ * threads_;
    double due_ns = static_cast<double>(number) * 1e9 / *options_.rate;
    at = shared_.start + nanoseconds(static_cast<std::int64_t>(due_ns));
    if (at >= shared_.end) return false;
    if (Clock::now() > shared_.end + options_.timeout) {
      abandon_schedule();
      return false;
    }
  } else {
    at = Clock::now();
    if (at >= shared_.end) return false;
    number = sequence_ * threads_ + index_;
  }
  bool measured = at >= shared_.warmup_end;
  if (measured && options_.max_requests > 0) {
    if (shared_.measured_claims.fetch_add(1, std::memory_order_relaxed) >= options_.max_requests) {
      shared_.max_reached.store(true, std::memory_order_relaxed);
      return false;
    }
  }
  if (open_loop_) {
    ++next_;
  } else {
    ++sequence_;
  }
  slot = {at, number, measured};
  return true;
}

// Open loop, more than --timeout past the end with requests still unsent: those would
// have timed out anyway; count them so and stop.
void Worker::abandon_schedule() {
  if (abandoned_) return;
  abandoned_ = true;
  for (;; ++next_) {  // bounded: the schedule ends at shared_.end
    std::uint64_t number = index_ + next_ * threads_;
    auto at =
        shared_.start +
        nanoseconds(static_cast<std::int64_t>(static_cast<double>(number) * 1e9 / *options_.rate));
    if (at >= shared_.end) break;
    if (at < shared_.warmup_end) continue;
    ++stats.requests;
    ++stats.timeout;
    bump(failed);
  }
}

void Worker::close(Connection& c) {
  boost::system::error_code ignored;
  c.tls.reset();
  c.socket.close(ignored);
  c.open = false;
  c.begin = c.end = 0;
}

// Whether the server closed (or wrote on) a connection that sat idle: then it cannot take
// a request, and a new one is opened before sending rather than failing the request.
bool Worker::peer_closed(Connection& c) {
  char byte;
  ssize_t n = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return true;
}

awaitable<bool> Worker::connect(Connection& c) {
  close(c);
  auto [ec] = co_await c.socket.async_connect(shared_.target.endpoint, tuple_awaitable);
  if (!ec) {
    c.socket.set_option(tcp::no_delay(true), ec);
    ec = {};
  }
  if (!ec && shared_.target.tls) {
    c.tls.emplace(c.socket, *shared_.target.tls);
    const std::string& host = shared_.target.tls_host;
    if (!shared_.host_is_ip) SSL_set_tlsext_host_name(c.tls->native_handle(), host.c_str());
    if (!options_.insecure) c.tls->set_verify_callback(asio::ssl::host_name_verification(host));
    auto [hec] = co_await c.tls->async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
    ec = hec;
  }
  if (ec) {
    if (c.timed_out) ec = asio::error::timed_out;
    if (!shared_.told_connect.exchange(true))
      std::cerr << "loadgen: connecting to " << options_.url.authority << ": " << ec.message()
                << "\n";
    close(c);
    co_return false;
  }
  c.open = true;
  c.ever_opened = true;
  c.served = false;
  c.idle_since = Clock::now();
  co_return true;
}

awaitable<void> Worker::preconnect(Connection& c) {
  c.timed_out = false;
  c.deadline = Clock::now() + options_.timeout;
  co_await connect(c);  // a failure shows again, and counts, when the load starts
  c.deadline = Clock::time_point::max();
  --active_;
}

awaitable<void> Worker::connection_loop(Connection& c) {
  asio::steady_timer backoff(io_);
  Slot slot{};
  while (claim(slot)) {  // bounded: the schedule ends
    if (open_loop_) {
      // Wake up as early as waking up usually takes (tens of µs here), so that requests
      // leave on time rather than late; latency then counts from when one left, if that
      // was before it was due.
      auto target = slot.at - nanoseconds(static_cast<std::int64_t>(wake_early_ns_));
      if (Clock::now() < target) {
        c.timer.expires_at(target);
        co_await c.timer.async_wait(tuple_awaitable);
        if (g_interrupted.load(std::memory_order_relaxed)) break;
        double late =
            static_cast<double>(duration_cast<nanoseconds>(Clock::now() - target).count());
        wake_early_ns_ += (std::clamp(late, 0.0, kMaxWakeEarlyNs) - wake_early_ns_) / 32;
      }
    }
    bool connected = co_await exchange(c, slot);
    if (!connected && !open_loop_) {
      backoff.expires_after(kConnectBackoff);
      co_await backoff.async_wait(tuple_awaitable);
    }
  }
  close(c);
  --active_;
}

// Sends one request and reads its answer; returns false when it could not connect.
awaitable<bool> Worker::exchange(Connection& c, const Slot& slot) {
  Clock::time_point now = Clock::now();
  const Clock::time_point started = std::min(slot.at, now);  // due, or left early
  c.timed_out = false;
  c.deadline = now + options_.timeout;
  if (c.open && c.served && now - c.idle_since > kStaleAfter && peer_closed(c)) close(c);
  if (!c.open) {
    if (c.ever_opened && slot.measured) ++stats.reconnects;
    if (!co_await connect(c)) {
      record(c, slot, started, Outcome::connect, Clock::now(), 0, {});
      co_return false;
    }
  }
  if (slot.measured) last_measured_send = std::max(last_measured_send, Clock::now());
  if (!c.buffer) c.buffer = std::make_unique<char[]>(kBufferSize);

  const RequestTemplate& request = shared_.requests.pick(slot.number);
  std::array<asio::const_buffer, 3> buffers;
  if (request.counter_at == std::string::npos) {
    buffers = {asio::buffer(request.bytes), asio::const_buffer(), asio::const_buffer()};
  } else {
    write_counter(c.digits, slot.number);
    const char* bytes = request.bytes.data();
    std::size_t tail = request.counter_at + kCounterDigits;
    buffers = {asio::const_buffer(bytes, request.counter_at),
               asio::const_buffer(c.digits, kCounterDigits),
               asio::const_buffer(bytes + tail, request.bytes.size() - tail)};
  }
  boost::system::error_code ec;
  if (c.tls) {
    // TLS writes one buffer per record: join the pieces (the copy is cheap next to TLS).
    c.joined.clear();
    for (const auto& b : buffers) c.joined.append(static_cast<const char*>(b.data()), b.size());
    asio::const_buffer joined = asio::buffer(c.joined);
    auto [wec, n] = co_await asio::async_write(*c.tls, joined, tuple_awaitable);
    ec = wec;
  } else {
    auto [wec, n] = co_await asio::async_write(c.socket, buffers, tuple_awaitable);
    ec = wec;
  }
  if (ec) {
    record(c, slot, started, c.timed_out ? Outcome::timeout : Outcome::reset, Clock::now(), 0, {});
    close(c);
    co_return true;
  }

  ResponseParser& parser = c.parser;
  parser.reset();
  std::uint64_t bytes = 0, events = 0;
  Clock::duration ttft{};
  Clock::time_point last_event{};
  Outcome outcome = Outcome::ok;
  for (;;) {  // bounded: the watchdog closes the socket at the deadline
    if (c.begin == c.end) {
      c.begin = c.end = 0;
    } else if (c.end == kBufferSize) {
      if (c.begin == 0) {  // a head larger than the buffer
        outcome = Outcome::protocol;
        break;
      }
      std::memmove(c.buffer.get(), c.buffer.get() + c.begin, c.end - c.begin);
      c.end -= c.begin;
      c.begin = 0;
    }
    auto space = asio::buffer(c.buffer.get() + c.end, kBufferSize - c.end);
    std::size_t n = 0;
    if (c.tls) {
      auto [rec, rn] = co_await c.tls->async_read_some(space, tuple_awaitable);
      ec = rec;
      n = rn;
    } else {
      auto [rec, rn] = co_await c.socket.async_read_some(space, tuple_awaitable);
      ec = rec;
      n = rn;
    }
    now = Clock::now();
    if (ec) {
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        parser.eof();  // ends a body delimited by close
        if (parser.done()) break;
      }
      outcome = c.timed_out ? Outcome::timeout : Outcome::reset;  // not the parser's failure
      break;
    }
    bytes += n;
    c.end += n;
    c.begin += parser.feed(c.buffer.get() + c.begin, c.end - c.begin);
    if (parser.events() > events && slot.measured) {
      if (events == 0) {
        ttft = now - started;
      } else {
        stats.gap.record(micros(now - last_event));
      }
      // Events that arrived in the same read are 0 µs apart.
      stats.gap.record_n(0, parser.events() - events - 1);
      last_event = now;
    }
    events = parser.events();
    if (parser.done() || parser.failed()) break;
  }
  if (outcome == Outcome::protocol || (outcome == Outcome::ok && parser.failed())) {
    outcome = Outcome::protocol;
    if (!shared_.told_protocol.exchange(true))
      std::cerr << "loadgen: bad answer: "
                << (parser.failed() ? parser.error() : "response head too large") << "\n";
  } else if (outcome == Outcome::ok && (parser.status() < 200 || parser.status() > 299)) {
    outcome = Outcome::status;
  }
  record(c, slot, started, outcome, now, bytes, ttft);
  // Leftover bytes would be an answer we did not ask for: start afresh.
  if (outcome != Outcome::ok && outcome != Outcome::status) {
    close(c);
  } else if (!parser.keep_alive() || c.begin != c.end) {
    close(c);
  }
  c.idle_since = now;
  c.served = true;
  co_return true;
}

void Worker::record(Connection& c, const Slot& slot, Clock::time_point started, Outcome outcome,
                    Clock::time_point now, std::uint64_t bytes, Clock::duration ttft) {
  c.deadline = Clock::time_point::max();
  bump(done);
  if (outcome != Outcome::ok) bump(failed);
  if (!slot.measured) return;
  ++stats.requests;
  stats.bytes_received += bytes;
  switch (outcome) {
    case Outcome::ok:
      ++stats.ok;
      stats.latency.record(micros(now - started));
      if (c.parser.events() > 0) stats.ttft.record(micros(ttft));
      break;
    case Outcome::status:
      ++stats.status[static_cast<std::size_t>(c.parser.status()) % stats.status.size()];
      break;
    case Outcome::connect:
      ++stats.connect;
      break;
    case Outcome::reset:
      ++stats.reset;
      break;
    case Outcome::timeout:
      ++stats.timeout;
      break;
    case Outcome::protocol:
      ++stats.protocol;
      break;
  }
}

awaitable<void> Worker::watchdog() {
  asio::steady_timer timer(io_);
  bool cancelled = false;
  for (unsigned tick = 1; active_ > 0; ++tick) {  // bounded: ends with the connections
    timer.expires_after(kWatchdogTick);
    co_await timer.async_wait(tuple_awaitable);
    Clock::time_point now = Clock::now();
    for (auto& c : connections_) {
      if (c->deadline < now) {
        c->timed_out = true;
        c->deadline = Clock::time_point::max();
        boost::system::error_code ignored;
        c->socket.close(ignored);  // the pending operation ends with an error
      }
    }
    if (!cancelled && g_interrupted.load(std::memory_order_relaxed)) {
      cancelled = true;
      for (auto& c : connections_) c->timer.cancel();
    }
    if (tick % 10 == 0) publish();
  }
}

std::string progress_line(double elapsed, const char* phase, std::uint64_t requests, double rate,
                          const Histogram& latency, std::uint64_t errors) {
  char line[200];
  std::snprintf(
      line, sizeof line, "[%6.1fs] %-7s requests %llu  rate %.0f/s  p99 %s  errors %llu", elapsed,
      phase, static_cast<unsigned long long>(requests), rate,
      latency.count() ? format_us(static_cast<double>(latency.percentile(99))).c_str() : "-",
      static_cast<unsigned long long>(errors));
  return line;
}

}  // namespace

void interrupt_load() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe, unlike steady_clock::now
  g_interrupted_at.store(std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec);
  g_interrupted.store(true);
}

Result run_load(const Options& options, const RequestSet& requests, const Target& target) {
  Shared shared(options, requests, target);
  boost::system::error_code ec;
  asio::ip::make_address(target.tls_host, ec);
  shared.host_is_ip = !ec;

  unsigned threads = options.threads;
  unsigned total = options.connection_count();
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    unsigned mine = total / threads + (t < total % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(shared, t, threads, mine));
  }

  Clock::time_point began = Clock::now();
  auto start_load = [&]() noexcept {
    shared.start = Clock::now();
    shared.warmup_end = shared.start + options.warmup;
    shared.end = shared.warmup_end + options.duration;
    shared.started.store(true, std::memory_order_release);
  };
  std::barrier sync(static_cast<std::ptrdiff_t>(threads), start_load);
  std::mutex finished_mutex;
  std::condition_variable finished_cv;
  unsigned finished = 0;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Wake timers on time (the default slack is 50 µs): open-loop requests leave when due.
      ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      workers[t]->connect_phase();
      sync.arrive_and_wait();
      workers[t]->load_phase();
      std::lock_guard lock(finished_mutex);
      ++finished;
      finished_cv.notify_all();
    });
  }

  // Progress, once a second, until every thread is done.
  std::uint64_t last_done = 0;
  Clock::time_point last_time = began;
  for (;;) {  // bounded: the threads end (the schedule ends, requests time out)
    {
      std::unique_lock lock(finished_mutex);
      if (finished_cv.wait_for(lock, std::chrono::seconds(1), [&] { return finished == threads; }))
        break;
    }
    if (options.quiet) continue;
    Clock::time_point now = Clock::now();
    if (!shared.started.load(std::memory_order_acquire)) {
      std::cerr << "[" << seconds(now - began) << "s] connecting\n";
      continue;
    }
    std::uint64_t done = 0, errors = 0;
    Histogram latency;
    for (auto& w : workers) {
      done += w->done.load(std::memory_order_relaxed);
      errors += w->failed.load(std::memory_order_relaxed);
      std::lock_guard lock(w->snapshot_mutex);
      latency.merge(w->latency_snapshot);
    }
    const char* phase = now < shared.warmup_end ? "warmup" : now < shared.end ? "run" : "drain";
    double rate = static_cast<double>(done - last_done) / seconds(now - last_time);
    std::cerr << progress_line(seconds(now - shared.start), phase, done, rate, latency, errors)
              << "\n";
    last_done = done;
    last_time = now;
  }
  for (auto& th : pool) th.join();

  Result result;
  Clock::time_point last_send{};
  for (auto& w : workers) {
    result.stats.merge(w->stats);
    last_send = std::max(last_send, w->last_measured_send);
  }
  // The measured window ends at the end of the schedule, or later when requests due
  // before it left later (the generator or server fell behind); at the interrupt, or at
  // the last request sent when --max-requests stopped the run first.
  Clock::time_point window_end = std::max(shared.end, last_send);
  if (g_interrupted.load()) {
    Clock::time_point at{nanoseconds(g_interrupted_at.load())};
    window_end = std::min(window_end, std::max(at, last_send));
  } else if (shared.max_reached.load()) {
    window_end = last_send;
  }
  result.run.duration_s = std::max(0.0, seconds(window_end - shared.warmup_end));
  result.run.warmup_s = seconds(options.warmup);
  result.run.elapsed_s = seconds(Clock::now() - began);
  result.run.interrupted = g_interrupted.load();
  return result;
}

}  // namespace tollgate::loadgen
