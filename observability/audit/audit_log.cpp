#include "observability/audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "gateway/core/config_reader.h"
#include "gateway/core/log.h"
#include "gateway/core/sha256.h"

namespace tollgate::observability {

namespace {

constexpr std::string_view kPrevPrefix = R"({"prev":")";

std::string errno_text() {
  return std::strerror(errno);
}

// The hash of the last whole line of `path`, cutting off a torn tail. Empty file: none.
std::string last_line_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t end = content.size();
  if (end > 0 && content[end - 1] != '\n') {
    std::size_t last_newline = content.rfind('\n');
    std::size_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
    core::log_warn("audit: " + path + " ends with a torn line (" + std::to_string(end - keep) +
                   " bytes); cutting it off before appending");
    if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
      throw std::runtime_error("audit: cannot truncate " + path + ": " + errno_text());
    }
    end = keep;
  }
  if (end == 0) return {};
  std::size_t start = content.rfind('\n', end - 2);
  start = start == std::string::npos ? 0 : start + 1;
  return core::sha256_hex(std::string_view(content).substr(start, end - 1 - start));
}

std::string rotated_name(const std::string& path) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::string base = path + "." + stamp;
  std::string name = base;
  for (int i = 1; std::filesystem::exists(name) && i < 10000; ++i) {
    name = base + "-" + std::to_string(i);
  }
  return name;
}

}  // namespace

AuditConfig read_audit_config(const core::Config& config) {
  AuditConfig out;
  const YAML::Node section = config.root["audit"];
  if (!core::ConfigReader::has(section)) return out;
  core::ConfigReader r(config.source);
  r.require_map(section, "audit");
  r.check_keys(section, "audit", {"path", "fsync_interval", "rotate", "include_bodies"});
  out.path = r.required_string(section, "path", "audit");
  if (r.has(section["fsync_interval"])) {
    out.fsync_interval = r.duration_of(section["fsync_interval"], "audit.fsync_interval");
  }
  if (const YAML::Node rotate = section["rotate"]; r.has(rotate)) {
    r.require_map(rotate, "audit.rotate");
    r.check_keys(rotate, "audit.rotate", {"max_bytes", "max_age"});
    if (r.has(rotate["max_bytes"])) {
      out.max_bytes = r.unsigned_of(rotate["max_bytes"], "audit.rotate.max_bytes", 1024,
                                    std::uint64_t{1} << 50);
    }
    if (r.has(rotate["max_age"])) {
      out.max_age = r.duration_of(rotate["max_age"], "audit.rotate.max_age");
    }
  }
  if (r.has(section["include_bodies"])) {
    out.include_bodies = r.bool_of(section["include_bodies"], "audit.include_bodies");
  }
  return out;
}

AuditLog::AuditLog(AuditConfig config) : config_(std::move(config)) {
  std::filesystem::path file(config_.path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  prev_hash_ = last_line_hash(config_.path);
  if (prev_hash_.empty()) prev_hash_ = std::string(kGenesisHash);
  open_file();
  writer_ = std::thread([this] { writer_loop(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  if (fd_ >= 0) {
    sync();
    ::close(fd_);
  }
}

void AuditLog::open_file() {
  fd_ = ::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) throw std::runtime_error("audit: cannot open " + config_.path + ": " + errno_text());
  struct stat st {};
  ::fstat(fd_, &st);
  size_ = static_cast<std::uint64_t>(st.st_size);
  // A file's age counts from when this process opened it (or its rotation).
  opened_ = std::chrono::system_clock::now();
}

void AuditLog::sync() {
  if (dirty_ && ::fdatasync(fd_) != 0) {
    core::log_error("audit: fdatasync failed: " + errno_text());
  }
  dirty_ = false;
}

void AuditLog::rotate() {
  sync();
  ::close(fd_);
  std::string name = rotated_name(config_.path);
  if (::rename(config_.path.c_str(), name.c_str()) != 0) {
    core::log_error("audit: cannot rotate " + config_.path + ": " + errno_text());
  } else {
    core::log_info("audit: rotated to " + name);
  }
  open_file();  // the chain continues: prev_hash_ is the rotated file's last line
}

void AuditLog::append(std::string record) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(record));
    ++appended_;
  }
  wake_.notify_one();
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  std::uint64_t target = appended_;
  wake_.notify_one();
  // Bounded: the writer drains at least every fsync interval.
  drained_.wait_for(lock, std::chrono::seconds(30), [&] { return written_ >= target && !dirty_; });
}

void AuditLog::write_batch(std::vector<std::string>& batch) {
  std::string out;
  for (auto& record : batch) {
    if (record.size() < 2 || record.front() != '{') continue;
    std::string line;
    line.reserve(record.size() + 80);
    line += kPrevPrefix;
    line += prev_hash_;
    line += '"';
    if (record.size() > 2) line += ',';
    line.append(record, 1, std::string::npos);
    prev_hash_ = core::sha256_hex(line);
    out += line;
    out += '\n';
  }
  // One write for the batch (retried on a short write): lines are never torn by a crash
  // of the process.
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      core::log_error("audit: write failed: " + errno_text());
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  dirty_ = true;
}

void AuditLog::writer_loop() {
  auto last_sync = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, config_.fsync_interval, [&] { return stopping_ || !queue_.empty(); });
    std::vector<std::string> batch;
    batch.swap(queue_);
    bool stop = stopping_;
    lock.unlock();
    if (!batch.empty()) write_batch(batch);
    auto now = std::chrono::steady_clock::now();
    if (now - last_sync >= config_.fsync_interval || stop) {
      sync();
      last_sync = now;
    }
    if (size_ >= config_.max_bytes ||
        std::chrono::system_clock::now() - opened_ >= config_.max_age) {
      rotate();
    }
    lock.lock();
    written_ += batch.size();
    if (queue_.empty()) {
      if (dirty_ && written_ >= appended_) {
        // Someone may be waiting in flush(): make it durable now.
        lock.unlock();
        sync();
        lock.lock();
      }
      drained_.notify_all();
    }
    if (stop && queue_.empty()) return;
  }
}

VerifyResult verify_audit_files(const std::vector<std::string>& files) {
  VerifyResult result;
  std::string expected;  // empty until the first line: a rotated file may start mid-chain
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    if (!in) throw std::runtime_error(files[f] + ": cannot read");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    std::uint64_t line_no = 0;
    while (pos < content.size()) {
      std::size_t nl = content.find('\n', pos);
      ++line_no;
      std::string where = files[f] + ":" + std::to_string(line_no);
      if (nl == std::string::npos) {
        if (f + 1 == files.size()) {
          result.torn_tail = true;  // a crash mid-line: what came before still verifies
          break;
        }
        throw std::runtime_error(where + ": torn line in the middle of the chain");
      }
      std::string_view line(content.data() + pos, nl - pos);
      pos = nl + 1;
      if (!line.starts_with(kPrevPrefix) || line.size() < kPrevPrefix.size() + 65) {
        throw std::runtime_error(where + ": not an audit line (no \"prev\" first)");
      }
      std::string_view prev = line.substr(kPrevPrefix.size(), 64);
      if (expected.empty()) {
        result.first_prev = std::string(prev);
      } else if (prev != expected) {
        throw std::runtime_error(where +
                                 ": chain broken (this line or the one before was edited, "
                                 "removed or reordered)");
      }
      expected = core::sha256_hex(line);
      ++result.lines;
    }
  }
  result.last_hash = expected;
  return result;
}

}  // namespace tollgate::observability
