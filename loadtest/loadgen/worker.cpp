// One load-generator thread (see worker.h): its schedule, its connections and the
// timing of each request.
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
#include "loadtest/loadgen/worker.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto kWatchdogTick = std::chrono::milliseconds(100);
// Closed loop: the pause after a failed connect, so a refusing server is not hammered.
constexpr auto kConnectBackoff = std::chrono::milliseconds(100);
// Open loop: bounds how early a request may leave (see the top of this file).
constexpr double kMaxWakeEarlyNs = 200'000;
// A connection idle this long is checked for a close by the server before it is used.
constexpr auto kStaleAfter = std::chrono::milliseconds(50);

std::uint64_t micros(Clock::duration d) {
  auto ns = duration_cast<nanoseconds>(d).count();
  return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns + 500) / 1000);
}

// The request as up to three buffers: the template around its counter, whose digits are
// written into the connection's own space, so the template is neither copied nor changed.
std::array<asio::const_buffer, 3> request_buffers(const RequestTemplate& request,
                                                  std::uint64_t number, char* digits) {
  if (request.counter_at == std::string::npos)
    return {asio::buffer(request.bytes), asio::const_buffer(), asio::const_buffer()};
  write_counter(digits, number);
  const char* bytes = request.bytes.data();
  std::size_t tail = request.counter_at + kCounterDigits;
  return {asio::const_buffer(bytes, request.counter_at), asio::const_buffer(digits, kCounterDigits),
          asio::const_buffer(bytes + tail, request.bytes.size() - tail)};
}

// Makes room at the end of the read buffer: forgets what was read, or moves the unread
// rest to the front. False when unread bytes fill it all: a head larger than the buffer.
bool make_room(Connection& c) {
  if (c.begin == c.end) {
    c.begin = c.end = 0;
  } else if (c.end == kBufferSize) {
    if (c.begin == 0) return false;
    std::memmove(c.buffer.get(), c.buffer.get() + c.begin, c.end - c.begin);
    c.end -= c.begin;
    c.begin = 0;
  }
  return true;
}

}  // namespace

Worker::Worker(Shared& shared, unsigned index, unsigned threads, unsigned connections)
    : shared_(shared),
      options_(shared.options),
      index_(index),
      threads_(threads),
      open_loop_(shared.options.open_loop()) {
  for (unsigned i = 0; i < connections; ++i)
    connections_.push_back(std::make_unique<Connection>(io_));
}

template <typename Awaitable>
void Worker::spawn(Awaitable&& a) {
  asio::co_spawn(io_, std::forward<Awaitable>(a), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << "loadgen: internal error: " << ex.what() << "\n";
    }
  });
}

void Worker::connect_phase() {
  active_ = connections_.size();
  for (auto& c : connections_) spawn(preconnect(*c));
  spawn(watchdog());
  io_.run();
}

void Worker::load_phase() {
  io_.restart();
  active_ = connections_.size();
  for (auto& c : connections_) spawn(connection_loop(*c));
  spawn(watchdog());
  io_.run();
  publish();
}

void Worker::publish() {
  std::lock_guard lock(snapshot_mutex);
  latency_snapshot = stats.latency;
}

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
// One coroutine from connecting to the answer's end, on purpose: every nested awaitable
// would add a coroutine frame per request (asio keeps only two spare frames per thread),
// so the steps that never wait are plain functions (request_buffers, make_room,
// note_events, judge, settle) and only the waiting stays here.
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

  auto buffers = request_buffers(shared_.requests.pick(slot.number), slot.number, c.digits);
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
  std::uint64_t bytes = 0;
  EventTimes times;
  Outcome outcome = Outcome::ok;
  for (;;) {  // bounded: the watchdog closes the socket at the deadline
    if (!make_room(c)) {
      outcome = Outcome::protocol;
      break;
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
    note_events(times, parser.events(), slot, started, now);
    if (parser.done() || parser.failed()) break;
  }
  outcome = judge(parser, outcome);
  record(c, slot, started, outcome, now, bytes, times.ttft);
  settle(c, outcome, now);
  co_return true;
}

// Times the events that arrived with the last read (measured requests only).
void Worker::note_events(EventTimes& times, std::uint64_t events, const Slot& slot,
                         Clock::time_point started, Clock::time_point now) {
  if (events > times.seen && slot.measured) {
    if (times.seen == 0) {
      times.ttft = now - started;
    } else {
      stats.gap.record(micros(now - times.last));
    }
    // Events that arrived in the same read are 0 µs apart.
    stats.gap.record_n(0, events - times.seen - 1);
    times.last = now;
  }
  times.seen = events;
}

// The outcome of an answer that ended: a parser failure or a head too large is a
// protocol error (told once per run), a status outside 2xx counts apart.
Outcome Worker::judge(const ResponseParser& parser, Outcome outcome) {
  if (outcome == Outcome::protocol || (outcome == Outcome::ok && parser.failed())) {
    if (!shared_.told_protocol.exchange(true))
      std::cerr << "loadgen: bad answer: "
                << (parser.failed() ? parser.error() : "response head too large") << "\n";
    return Outcome::protocol;
  }
  if (outcome == Outcome::ok && (parser.status() < 200 || parser.status() > 299))
    return Outcome::status;
  return outcome;
}

// After an answer: closes a connection that cannot carry the next request.
void Worker::settle(Connection& c, Outcome outcome, Clock::time_point now) {
  // Leftover bytes would be an answer we did not ask for: start afresh.
  if (outcome != Outcome::ok && outcome != Outcome::status) {
    close(c);
  } else if (!c.parser.keep_alive() || c.begin != c.end) {
    close(c);
  }
  c.idle_since = now;
  c.served = true;
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

}  // namespace tollgate::loadgen
