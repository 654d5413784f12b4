// The audit log when the disk refuses writes: records held and written later, records
// past the bound recorded as a gap in the chain that verify reports; a start that reads
// only the tail of a large file; and a reload retuning the writer.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "gateway/core/sha256.h"
#include "observability/audit/audit_log.h"
#include "tests/unit/file_size_limit.h"
#include "tests/unit/scratch_dir.h"

using namespace tollgate;
using observability::AuditConfig;
using observability::AuditLog;
namespace fs = std::filesystem;

namespace {

std::string temp_file(const std::string& name) {
  return (testing::scratch_dir() / name).string();
}

AuditConfig config_for(const std::string& path) {
  AuditConfig config;
  config.path = path;
  config.fsync_interval = std::chrono::milliseconds(20);
  return config;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string record(int n, std::size_t padding = 0) {
  return R"({"n":)" + std::to_string(n) + R"(,"pad":")" + std::string(padding, 'x') + R"("})";
}

// Bytes this process has read through read()/pread() so far (all threads).
std::uint64_t bytes_read() {
  std::ifstream io("/proc/self/io");
  std::string name;
  std::uint64_t value = 0;
  while (io >> name >> value) {
    if (name == "rchar:") return value;
  }
  return 0;
}

template <typename Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST_CASE("audit records the disk refuses are held and written, in order, when it takes them",
          "[audit]") {
  std::string path = temp_file("audit.jsonl");
  {
    AuditLog log(config_for(path));
    log.append(record(1));
    log.flush();
    {
      testing::FileSizeLimit full(fs::file_size(path));
      log.append(record(2));
      log.append(record(3));
      log.flush();
      CHECK(eventually([&] { return !log.health().writable; }));
      CHECK(log.health().write_errors >= 1);
      CHECK(log.health().records_unwritten == 2);
      CHECK(log.health().records_lost == 0);
    }
    log.append(record(4));
    REQUIRE(eventually([&] { return log.health().writable; }));
    log.flush();
  }
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 4);
  for (int i = 0; i < 4; ++i)
    CHECK(lines[i].find(R"("n":)" + std::to_string(i + 1)) != std::string::npos);
  auto result = observability::verify_audit_files({path});
  CHECK(result.lines == 4);
  CHECK(result.gaps.empty());
}

TEST_CASE("audit records past the memory bound are lost, and the chain says how many and when",
          "[audit]") {
  std::string path = temp_file("audit.jsonl");
  std::uint64_t lost = 0;
  {
    AuditLog log(config_for(path));
    log.append(record(0));
    log.flush();
    {
      testing::FileSizeLimit full(fs::file_size(path));
      // 12 records of 1 MiB: 8 fit in the 8 MiB held in memory (less their JSON).
      for (int i = 1; i <= 12; ++i) log.append(record(i, 1 << 20));
      log.flush();
      REQUIRE(eventually([&] { return log.health().records_lost > 0; }));
      lost = log.health().records_lost;
      CHECK(lost + log.health().records_unwritten == 12);
    }
    log.append(record(13));
    REQUIRE(eventually([&] { return log.health().writable; }));
    log.flush();
  }
  auto result = observability::verify_audit_files({path});
  REQUIRE(result.gaps.size() == 1);
  CHECK(result.lost_records == lost);
  CHECK(result.gaps[0].lost_records == lost);
  CHECK_FALSE(result.gaps[0].first_lost_at.empty());
  // 0, the held ones, the gap record, 13: the gap sits where the lost records were.
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 1 + (12 - lost) + 1 + 1);
  CHECK(lines[lines.size() - 2].find(R"("event":"audit_gap")") != std::string::npos);
  CHECK(lines[lines.size() - 2].find(R"("lost_records":)" + std::to_string(lost)) !=
        std::string::npos);
  CHECK(result.lines == lines.size());
}

TEST_CASE("a gap record is chained like any line: editing it breaks the chain", "[audit]") {
  std::string path = temp_file("audit.jsonl");
  {
    AuditLog log(config_for(path));
    log.append(record(0));
    log.flush();
    {
      testing::FileSizeLimit full(fs::file_size(path));
      for (int i = 1; i <= 9; ++i) log.append(record(i, 1 << 20));
      log.flush();
      REQUIRE(eventually([&] { return log.health().records_lost > 0; }));
    }
    log.append(record(10));
    REQUIRE(eventually([&] { return log.health().writable; }));
  }
  auto lines = lines_of(path);
  std::ofstream out(path, std::ios::trunc);
  for (auto& line : lines) {
    auto at = line.find(R"("lost_records":)");
    if (at != std::string::npos) line.replace(at, 16, R"("lost_records":0)");
    out << line << "\n";
  }
  out.close();
  CHECK_THROWS_WITH(observability::verify_audit_files({path}), Catch::Contains("chain broken"));
}

TEST_CASE("opening a large audit file reads only its tail", "[audit]") {
  std::string path = temp_file("audit.jsonl");
  std::string last;
  {
    AuditLog log(config_for(path));
    log.append(record(1));
    log.flush();
  }
  last = lines_of(path).back();
  // 64 MiB of earlier lines (sparse: zeros) before the last one.
  std::string content;
  {
    std::ifstream in(path);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, "\n", 1, (64 << 20) - 1) == 1);
  REQUIRE(::pwrite(fd, content.data(), content.size(), 64 << 20) ==
          static_cast<ssize_t>(content.size()));
  ::close(fd);

  std::uint64_t before = bytes_read();
  {
    AuditLog log(config_for(path));
    CHECK(bytes_read() - before < (1 << 20));
    log.append(record(2));
    log.flush();
  }
  std::string next = lines_of(path).back();
  CHECK(next.find(core::sha256_hex(last)) != std::string::npos);  // the chain goes on
}

TEST_CASE("a reload retunes the audit log at once without waiting on a writer stuck on the disk",
          "[audit]") {
  // The "disk": a FIFO nobody reads for a while, so the writer blocks in write(). (Its
  // fdatasync fails: a FIFO has none; the records are written all the same.)
  std::string path = temp_file("audit.fifo");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  int fifo = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);  // both ends: no open blocks
  REQUIRE(fifo >= 0);
  constexpr int kRecords = 100;
  std::optional<AuditLog> log;
  log.emplace(config_for(path));
  for (int i = 0; i < kRecords; ++i) log->append(record(i, 2000));  // 200 KiB: past the pipe
  int capacity = ::fcntl(fifo, F_GETPIPE_SZ);
  REQUIRE(eventually([&] {
    int queued = 0;
    return ::ioctl(fifo, FIONREAD, &queued) == 0 && queued >= capacity;
  }));
  AuditConfig retuned = config_for(path);
  retuned.fsync_interval = std::chrono::milliseconds(10);
  auto started = std::chrono::steady_clock::now();
  log->retune(retuned);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(100));
  // The disk moves again: every record comes out.
  std::string drained;
  CHECK(eventually([&] {
    char buffer[65536];
    for (ssize_t n; (n = ::read(fifo, buffer, sizeof buffer)) > 0;) {
      drained.append(buffer, static_cast<std::size_t>(n));
    }
    return std::count(drained.begin(), drained.end(), '\n') == kRecords;
  }));
  log.reset();
  ::close(fifo);
}

TEST_CASE("a rotation threshold lowered by a reload rotates a file already past it", "[audit]") {
  std::string path = temp_file("audit.jsonl");
  AuditConfig config = config_for(path);
  config.max_age = std::chrono::hours(24);
  AuditLog log(config);
  for (int i = 0; i < 10; ++i) log.append(record(i, 100));
  log.flush();
  REQUIRE(fs::file_size(path) > 1024);
  config.max_bytes = 1024;
  log.retune(config);  // no record comes after it: the reload alone rotates
  auto rotated = [&] {
    int files = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path())) {
      files += entry.path().filename().string().starts_with("audit.jsonl.");
    }
    return files == 1;
  };
  CHECK(eventually(rotated));
}
