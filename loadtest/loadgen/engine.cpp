// The load generator's engine (see engine.h): starts one Worker per thread (worker.cpp
// holds the schedule and the timing), prints the progress line once a second and sums
// the workers' stats. Threads share only the start time, the --max-requests count and the
// interrupt flag.
#include "loadtest/loadgen/engine.h"

#include <sys/prctl.h>

#include <barrier>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "loadtest/loadgen/worker.h"

namespace tollgate::loadgen {

namespace {

using Workers = std::vector<std::unique_ptr<Worker>>;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
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

// The progress line, from the counters and latency snapshots the workers publish.
class Progress {
 public:
  Progress(const Shared& shared, const Workers& workers, Clock::time_point began)
      : shared_(shared), workers_(workers), began_(began), last_time_(began) {}

  void print() {
    Clock::time_point now = Clock::now();
    if (!shared_.started.load(std::memory_order_acquire)) {
      std::cerr << "[" << seconds(now - began_) << "s] connecting\n";
      return;
    }
    std::uint64_t done = 0, errors = 0;
    Histogram latency;
    for (auto& w : workers_) {
      done += w->done.load(std::memory_order_relaxed);
      errors += w->failed.load(std::memory_order_relaxed);
      std::lock_guard lock(w->snapshot_mutex);
      latency.merge(w->latency_snapshot);
    }
    const char* phase = now < shared_.warmup_end ? "warmup" : now < shared_.end ? "run" : "drain";
    double rate = static_cast<double>(done - last_done_) / seconds(now - last_time_);
    std::cerr << progress_line(seconds(now - shared_.start), phase, done, rate, latency, errors)
              << "\n";
    last_done_ = done;
    last_time_ = now;
  }

 private:
  const Shared& shared_;
  const Workers& workers_;
  Clock::time_point began_;
  std::uint64_t last_done_ = 0;
  Clock::time_point last_time_;
};

// Runs every worker on a thread of its own: all connect, meet at a barrier whose
// completion sets the schedule's times, then load. Prints progress once a second (unless
// --quiet) until every thread is done.
void run_threads(Shared& shared, Workers& workers, Clock::time_point began) {
  const Options& options = shared.options;
  auto start_load = [&]() noexcept {
    shared.start = Clock::now();
    shared.warmup_end = shared.start + options.warmup;
    shared.end = shared.warmup_end + options.duration;
    shared.started.store(true, std::memory_order_release);
  };
  std::size_t threads = workers.size();
  std::barrier sync(static_cast<std::ptrdiff_t>(threads), start_load);
  std::mutex finished_mutex;
  std::condition_variable finished_cv;
  std::size_t finished = 0;
  std::vector<std::thread> pool;
  for (auto& worker : workers) {
    pool.emplace_back([&, w = worker.get()] {
      // Wake timers on time (the default slack is 50 µs): open-loop requests leave when due.
      ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      w->connect_phase();
      sync.arrive_and_wait();
      w->load_phase();
      std::lock_guard lock(finished_mutex);
      ++finished;
      finished_cv.notify_all();
    });
  }
  Progress progress(shared, workers, began);
  for (;;) {  // bounded: the threads end (the schedule ends, requests time out)
    {
      std::unique_lock lock(finished_mutex);
      if (finished_cv.wait_for(lock, std::chrono::seconds(1), [&] { return finished == threads; }))
        break;
    }
    if (!options.quiet) progress.print();
  }
  for (auto& th : pool) th.join();
}

// The measured window ends at the end of the schedule, or later when requests due
// before it left later (the generator or server fell behind); at the interrupt, or at
// the last request sent when --max-requests stopped the run first.
Clock::time_point window_end(const Shared& shared, Clock::time_point last_send) {
  Clock::time_point end = std::max(shared.end, last_send);
  if (g_interrupted.load()) {
    Clock::time_point at{std::chrono::nanoseconds(g_interrupted_at.load())};
    return std::min(end, std::max(at, last_send));
  }
  if (shared.max_reached.load()) return last_send;
  return end;
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
  boost::asio::ip::make_address(target.tls_host, ec);
  shared.host_is_ip = !ec;

  unsigned threads = options.threads;
  unsigned total = options.connection_count();
  Workers workers;
  for (unsigned t = 0; t < threads; ++t) {
    unsigned mine = total / threads + (t < total % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(shared, t, threads, mine));
  }
  Clock::time_point began = Clock::now();
  run_threads(shared, workers, began);

  Result result;
  Clock::time_point last_send{};
  for (auto& w : workers) {
    result.stats.merge(w->stats);
    last_send = std::max(last_send, w->last_measured_send);
  }
  result.run.duration_s = std::max(0.0, seconds(window_end(shared, last_send) - shared.warmup_end));
  result.run.warmup_s = seconds(options.warmup);
  result.run.elapsed_s = seconds(Clock::now() - began);
  result.run.interrupted = g_interrupted.load();
  return result;
}

}  // namespace tollgate::loadgen
