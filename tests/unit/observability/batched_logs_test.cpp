// The batching behind the audit and access logs: lines from many threads are never torn,
// keep each thread's order, reach the file or stdout at shutdown, and wake the writer per
// batch, not per line; and the access log, when stdout stops taking lines, keeps a bounded
// buffer a thread and counts what it drops.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "observability/access_log.h"
#include "observability/audit/audit_log.h"
#include "observability/line_queue.h"
#include "tests/unit/scratch_dir.h"

using namespace tollgate;
using observability::LineQueue;
namespace fs = std::filesystem;

namespace {

constexpr int kThreads = 4;

// Each thread's lines are {"t":thread,"n":0,1,2...,"pad":"xxx"}.
std::string numbered(int thread, int n) {
  return R"({"t":)" + std::to_string(thread) + R"(,"n":)" + std::to_string(n) + R"(,"pad":")" +
         std::string(static_cast<std::size_t>(n % 97), 'x') + R"("})";
}

template <typename Push>
void push_from_threads(int per_thread, Push push) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, per_thread, &push] {
      for (int n = 0; n < per_thread; ++n) push(numbered(t, n));
    });
  }
  for (auto& thread : threads) thread.join();
}

// Every line is whole JSON, and each thread's numbers come in order, none missing.
void check_lines(const std::vector<std::string>& lines, int per_thread) {
  std::map<std::int64_t, std::int64_t> next;
  for (const auto& line : lines) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    INFO(line);
    REQUIRE(!ec);
    if (!v.as_object().contains("t")) continue;  // another log line
    auto t = v.at("t").as_int64();
    REQUIRE(v.at("n").as_int64() == next[t]);
    ++next[t];
  }
  REQUIRE(next.size() == kThreads);
  for (auto [t, count] : next) REQUIRE(count == per_thread);
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string temp_dir() {
  return testing::scratch_dir().string();
}

}  // namespace

TEST_CASE(
    "a line queue wakes its writer per batch, and keeps every thread's lines whole and in order",
    "[batched_logs]") {
  LineQueue queue(
      LineQueue::Options{.delay = std::chrono::milliseconds(20), .batch_bytes = 1 << 30});
  std::string taken;
  int turns = 0;
  std::thread writer([&] {
    std::string batch;
    for (;;) {
      LineQueue::Turn turn = queue.wait(LineQueue::Clock::time_point::max());
      ++turns;
      batch.clear();
      queue.take(batch);
      taken += batch;
      if (turn.flush_ticket > 0) queue.flushed(turn.flush_ticket);
      if (turn.stop) break;
    }
  });
  constexpr int kPerThread = 20000;
  push_from_threads(kPerThread, [&](const std::string& line) { queue.push(line); });
  REQUIRE(queue.flush(std::chrono::seconds(10)));
  queue.stop();
  writer.join();
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < taken.size();) {
    std::size_t end = taken.find('\n', start);
    REQUIRE(end != std::string::npos);  // no torn line at the end
    lines.push_back(taken.substr(start, end - start));
    start = end + 1;
  }
  check_lines(lines, kPerThread);
  // 80,000 lines: a handful of wake-ups (one per 20 ms of pushing, the flush, the stop).
  INFO("turns: " << turns);
  REQUIRE(turns < 200);
}

TEST_CASE(
    "lines that keep coming wake the writer once: it turns by its own clock until a turn "
    "finds nothing, and a line after that quiet turn still wakes it",
    "[batched_logs]") {
  LineQueue queue(
      LineQueue::Options{.delay = std::chrono::milliseconds(10), .batch_bytes = 1 << 30});
  std::atomic<int> lines_taken{0};
  std::thread writer([&] {
    std::string batch;
    for (;;) {
      LineQueue::Turn turn = queue.wait(LineQueue::Clock::time_point::max());
      batch.clear();
      queue.take(batch);
      lines_taken += static_cast<int>(std::count(batch.begin(), batch.end(), '\n'));
      if (turn.flush_ticket > 0) queue.flushed(turn.flush_ticket);
      if (turn.stop) break;
    }
  });
  auto until_taken = [&](int count) {
    for (int i = 0; i < 2000 && lines_taken.load() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return lines_taken.load();
  };
  // A line every millisecond for 300 ms: ~30 turns of 10 ms and one wake-up, the first
  // line's (a writer woken per turn had ~30).
  for (int i = 0; i < 300; ++i) {
    queue.push("steady " + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(until_taken(300) == 300);
  INFO("wake-ups: " << queue.wakeups());
  REQUIRE(queue.wakeups() <= 10);  // one, and room for a pusher stalled past a turn
  // Quiet for many turns: the writer sleeps; the next line wakes it and is taken.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::uint64_t before = queue.wakeups();
  queue.push("after the quiet");
  REQUIRE(until_taken(301) == 301);
  REQUIRE(queue.wakeups() == before + 1);
  queue.stop();
  writer.join();
}

TEST_CASE("lines pushed one after another by different threads come out in that order",
          "[batched_logs]") {
  LineQueue queue(LineQueue::Options{.delay = std::chrono::hours(1), .batch_bytes = 1 << 20});
  for (int i = 0; i < 6; ++i) {
    std::thread([&queue, i] { queue.push("line " + std::to_string(i)); }).join();
  }
  std::string batch;
  queue.take(batch);
  REQUIRE(batch == "line 0\nline 1\nline 2\nline 3\nline 4\nline 5\n");
}

TEST_CASE("a full shard wakes the writer before the delay", "[batched_logs]") {
  LineQueue queue(LineQueue::Options{.delay = std::chrono::hours(1), .batch_bytes = 1024});
  queue.push(std::string(2000, 'a'));
  auto started = LineQueue::Clock::now();
  LineQueue::Turn turn = queue.wait(LineQueue::Clock::time_point::max());
  REQUIRE(LineQueue::Clock::now() - started < std::chrono::seconds(5));
  REQUIRE_FALSE(turn.stop);
  std::string batch;
  queue.take(batch);
  // (Built in two steps: GCC 12 warns falsely, -Warray-bounds, on `string(n, c) + "\n"`.)
  std::string expected(2000, 'a');
  expected += '\n';
  REQUIRE(batch == expected);
}

TEST_CASE(
    "the audit log written from many threads keeps each thread's order, and its "
    "destructor writes the rest",
    "[batched_logs][audit]") {
  std::string path = temp_dir() + "/audit.jsonl";
  constexpr int kPerThread = 5000;
  {
    observability::AuditConfig config;
    config.path = path;
    config.fsync_interval = std::chrono::seconds(10);  // no fsync before shutdown's
    observability::AuditLog log(config);
    push_from_threads(kPerThread, [&](const std::string& line) { log.append(line); });
  }  // shutdown: written and fsync'd here
  std::vector<std::string> lines = lines_of(path);
  REQUIRE(lines.size() == kThreads * kPerThread);
  check_lines(lines, kPerThread);
  auto result = observability::verify_audit_files({path});
  REQUIRE(result.lines == kThreads * kPerThread);
  REQUIRE_FALSE(result.torn_tail);
}

TEST_CASE(
    "the access log buffers lines, writes them whole to stdout within its flush "
    "interval, and the rest at shutdown",
    "[batched_logs]") {
  std::string path = temp_dir() + "/stdout.log";
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(file >= 0);
  ::fflush(stdout);
  int saved = ::dup(STDOUT_FILENO);
  ::dup2(file, STDOUT_FILENO);
  constexpr int kPerThread = 5000;
  bool early_line_out = false;
  bool buffered = false;
  {
    observability::AccessLog log;
    log.write(core::LogLevel::info, R"("early":true)");
    buffered = fs::file_size(path) == 0;  // not written per line
    for (int i = 0; i < 300 && !early_line_out; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      early_line_out = fs::file_size(path) > 0;  // the flush interval passed
    }
    push_from_threads(kPerThread, [&](const std::string& line) {
      log.write(core::LogLevel::info, std::string_view(line).substr(1, line.size() - 2));
    });
  }
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(file);
  REQUIRE(buffered);
  REQUIRE(early_line_out);
  std::vector<std::string> lines = lines_of(path);
  REQUIRE(lines.size() == kThreads * kPerThread + 1);
  check_lines(lines, kPerThread);
  REQUIRE(lines[0].find(R"("level":"info","early":true})") != std::string::npos);
}

TEST_CASE(
    "an access log whose stdout does not move keeps 4 MiB a thread, drops the lines past it "
    "without making anyone wait, and says how many it dropped",
    "[batched_logs]") {
  int ends[2];
  REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
  int capacity = ::fcntl(ends[1], F_SETPIPE_SZ, 4096);
  REQUIRE(capacity > 0);
  ::fflush(stdout);
  int saved = ::dup(STDOUT_FILENO);
  ::dup2(ends[1], STDOUT_FILENO);
  ::close(ends[1]);
  const std::string pad(1000, 'x');
  constexpr int kFirst = 100, kLines = 12000;  // ~12 MiB in all
  bool stuck = false, pushed_in_time = false;
  std::string out;
  std::thread reader;
  {
    observability::AccessLog log;
    auto write = [&](int n) {
      log.write(core::LogLevel::info, R"("n":)" + std::to_string(n) + R"(,"pad":")" + pad + '"');
    };
    // Past 64 KiB: the writer takes them and blocks on the full pipe.
    for (int n = 0; n < kFirst; ++n) write(n);
    for (int i = 0; i < 500 && !stuck; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      int queued = 0;
      stuck = ::ioctl(ends[0], FIONREAD, &queued) == 0 && queued >= capacity;
    }
    // No REQUIRE until stdout moves again: a failure would wait for the writer for ever.
    auto rest = std::async(std::launch::async, [&] {
      for (int n = kFirst; n < kLines; ++n) write(n);
    });
    pushed_in_time = rest.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    reader = std::thread([&] {
      char buffer[65536];
      for (ssize_t n; (n = ::read(ends[0], buffer, sizeof buffer)) > 0;) {
        out.append(buffer, static_cast<std::size_t>(n));
      }
    });
    rest.wait();
  }                              // writes what it kept, and the count of what it dropped
  ::dup2(saved, STDOUT_FILENO);  // the pipe's last writer gone: the reader sees its end
  ::close(saved);
  reader.join();
  ::close(ends[0]);
  REQUIRE(stuck);
  CHECK(pushed_in_time);
  std::int64_t written = 0, dropped = 0, next = 0;
  std::size_t written_bytes = 0, longest = 0;
  REQUIRE(out.ends_with('\n'));
  for (std::size_t start = 0, end; (end = out.find('\n', start)) != std::string::npos;
       start = end + 1) {
    std::string_view line(out.data() + start, end - start);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    INFO(line.substr(0, 200));
    REQUIRE(!ec);  // whole lines only, none inside another
    const auto& o = v.as_object();
    if (o.contains("n")) {
      REQUIRE(o.at("n").as_int64() >= next);  // in order; gaps where lines were dropped
      next = o.at("n").as_int64() + 1;
      ++written;
      written_bytes += line.size() + 1;
      longest = std::max(longest, line.size() + 1);
    } else if (std::string_view msg = o.at("msg").as_string(); msg.starts_with("access log: ")) {
      CHECK(msg.ends_with(" line(s) dropped: stdout did not take them (a full pipe?)"));
      dropped += std::stoll(std::string(msg.substr(12)));
    }
  }
  INFO("written " << written << ", dropped " << dropped);
  CHECK(dropped > 0);
  CHECK(written + dropped == kLines);  // every line written or counted
  // What the writer had taken when stdout stopped, then one thread's 4 MiB; not the 12 MiB.
  CHECK(written_bytes <= kFirst * longest + observability::AccessLog::kMaxBufferBytes);
}
