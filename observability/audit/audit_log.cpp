#include "observability/audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <boost/json.hpp>

#include "gateway/core/config_reader.h"
#include "gateway/core/log.h"
#include "gateway/core/sha256.h"
#include "gateway/core/time_text.h"

namespace tollgate::observability {

namespace {

constexpr std::string_view kPrevPrefix = R"({"prev":")";
// What follows the prev hash's closing quote on a gap record (the writer puts it there).
constexpr std::string_view kGapMarker = R"(","event":"audit_gap")";

std::string errno_text(int error = errno) {
  return std::strerror(error);
}

// Reads [offset, offset + size) of `fd`. Throws on a read error.
std::string read_at(int fd, std::uint64_t offset, std::size_t size, const std::string& path) {
  std::string out(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("audit: cannot read " + path + ": " + errno_text());
    done += static_cast<std::size_t>(n);
  }
  return out;
}

// The offset just past the last '\n' before `end` (0 when there is none), reading
// backwards in blocks: the cost is the length of the last line, not of the file.
std::uint64_t line_start_before(int fd, std::uint64_t end, const std::string& path) {
  constexpr std::uint64_t kBlock = 64 * 1024;
  while (end > 0) {
    std::uint64_t begin = end > kBlock ? end - kBlock : 0;
    std::string block = read_at(fd, begin, static_cast<std::size_t>(end - begin), path);
    std::size_t nl = block.rfind('\n');
    if (nl != std::string::npos) return begin + nl + 1;
    end = begin;
  }
  return 0;
}

// The hash of the last whole line of `path`, cutting off a torn tail. Empty file: none.
// Reads only the tail, so a gateway with a large audit file starts as fast as one with
// none.
std::string last_line_hash(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw std::runtime_error("audit: cannot open " + path + ": " + errno_text());
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::runtime_error("audit: cannot stat " + path);
  auto end = static_cast<std::uint64_t>(st.st_size);
  if (end == 0) return {};
  if (read_at(fd, end - 1, 1, path) != "\n") {
    std::uint64_t keep = line_start_before(fd, end, path);
    core::log_warn("audit: " + path + " ends with a torn line (" + std::to_string(end - keep) +
                   " bytes); cutting it off before appending");
    if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
      throw std::runtime_error("audit: cannot truncate " + path + ": " + errno_text());
    }
    end = keep;
  }
  if (end == 0) return {};
  std::uint64_t start = line_start_before(fd, end - 1, path);
  return core::sha256_hex(read_at(fd, start, static_cast<std::size_t>(end - 1 - start), path));
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

// Adds `record` ("{...}") to `out` as a chained line after `hash`, and moves `hash` on.
void append_line(std::string& out, std::string_view record, std::string& hash) {
  std::size_t start = out.size();
  out += kPrevPrefix;
  out += hash;
  out += '"';
  if (record.size() > 2) out += ',';
  out.append(record.substr(1));
  hash = core::sha256_hex(std::string_view(out).substr(start));
  out += '\n';
}

}  // namespace

AuditConfig read_audit_config(const core::Config& config) {
  AuditConfig out;
  const YAML::Node section = config.root["audit"];
  if (!core::ConfigReader::has(section)) return out;
  core::ConfigReader r(config);
  r.require_map(section, "audit");  // its keys: the observability module's registration
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

AuditLog::AuditLog(AuditConfig config)
    : config_(std::move(config)),
      queue_(LineQueue::Options{.delay = std::min(kWriteDelay, config_.fsync_interval),
                                .batch_bytes = 64 * 1024}) {
  std::filesystem::path file(config_.path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  prev_hash_ = last_line_hash(config_.path);
  if (prev_hash_.empty()) prev_hash_ = std::string(kGenesisHash);
  if (!open_file()) {
    throw std::runtime_error("audit: cannot open " + config_.path + ": " + errno_text());
  }
  writer_ = std::thread([this] { writer_loop(); });
}

AuditLog::~AuditLog() {
  queue_.stop();  // the writer takes what is left, writes and fsyncs it, and ends
  writer_.join();
  if (fd_ >= 0) {
    sync();
    ::close(fd_);
  }
}

bool AuditLog::open_file() {
  fd_ = ::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return false;
  struct stat st {};
  ::fstat(fd_, &st);
  size_ = static_cast<std::uint64_t>(st.st_size);
  // A file's age counts from when this process opened it (or its rotation).
  opened_ = std::chrono::system_clock::now();
  return true;
}

AuditHealth AuditLog::health() const {
  AuditHealth out;
  out.writable = writable_.load(std::memory_order_relaxed);
  out.write_errors = write_errors_.load(std::memory_order_relaxed);
  out.records_lost = records_lost_.load(std::memory_order_relaxed);
  out.records_unwritten = records_unwritten_.load(std::memory_order_relaxed);
  return out;
}

void AuditLog::failed(int error, const char* doing) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  ++outage_failures_;
  last_attempt_ = std::chrono::steady_clock::now();
  if (failing_) return;  // logged when the outage began; counted since
  failing_ = true;
  writable_.store(false, std::memory_order_relaxed);
  failure_ = std::string(doing) + ": " + errno_text(error);
  core::log_error("audit: cannot write " + config_.path + " (" + failure_ + "); holding up to " +
                  std::to_string(kMaxHeldBytes >> 20) +
                  " MiB of records in memory and retrying every fsync_interval. Records past "
                  "that are lost, counted in tollgate_audit_records_lost_total, and recorded "
                  "as a gap in the chain once writes work again");
}

void AuditLog::succeeded() {
  if (!failing_) return;
  core::log_warn("audit: writes to " + config_.path + " work again after " +
                 std::to_string(outage_failures_) + " failed attempt(s)");
  failing_ = false;
  outage_failures_ = 0;
  writable_.store(true, std::memory_order_relaxed);
}

void AuditLog::sync() {
  if (dirty_ && fd_ >= 0 && ::fdatasync(fd_) != 0) failed(errno, "fdatasync");
  dirty_ = false;
}

void AuditLog::rotate() {
  sync();
  ::close(fd_);
  fd_ = -1;
  std::string name = rotated_name(config_.path);
  if (::rename(config_.path.c_str(), name.c_str()) != 0) {
    core::log_error("audit: cannot rotate " + config_.path + ": " + errno_text());
  } else {
    core::log_info("audit: rotated to " + name);
  }
  // The chain continues: prev_hash_ is the rotated file's last line. If the new file
  // cannot be made, write_batch() tries again.
  if (!open_file()) failed(errno, "open after rotation");
}

void AuditLog::append(std::string_view record) {
  queue_.push(record);
}

void AuditLog::flush() {
  // Bounded: a writer stuck in a write() to a hung disk must not hang the caller for ever.
  queue_.flush(std::chrono::seconds(30));
}

namespace {

// Calls `each` with every record of `records` ('\n'-separated lines) that is an object.
template <typename Each>
void for_each_record(std::string_view records, Each each) {
  for (std::size_t start = 0; start < records.size();) {
    std::size_t end = records.find('\n', start);
    if (end == std::string_view::npos) end = records.size();
    std::string_view record = records.substr(start, end - start);
    start = end + 1;
    if (record.size() >= 2 && record.front() == '{') each(record);
  }
}

}  // namespace

// Moves `records` behind what is held. A record that does not fit is lost: it joins the
// gap at the end of what is held (or starts one), so a gap record is written exactly
// where the lost records were.
void AuditLog::hold(std::string_view records) {
  for_each_record(records, [&](std::string_view record) {
    if (held_records_ == 0 || held_bytes_ + record.size() <= kMaxHeldBytes) {
      held_bytes_ += record.size();
      ++held_records_;
      held_.push_back(Held{std::string(record), 0, {}, {}});
      return;
    }
    auto now = std::chrono::system_clock::now();
    if (held_.empty() || held_.back().lost == 0) held_.push_back(Held{{}, 0, now, now});
    ++held_.back().lost;
    held_.back().last_lost = now;
    records_lost_.fetch_add(1, std::memory_order_relaxed);
  });
  records_unwritten_.store(held_records_, std::memory_order_relaxed);
}

// The line that stands for `gap` in the chain.
std::string AuditLog::gap_record(const Held& gap) const {
  boost::json::object o;
  o["event"] = "audit_gap";
  o["time"] = core::iso_millis(std::chrono::system_clock::now());
  o["lost_records"] = gap.lost;
  o["first_lost_at"] = core::iso_millis(gap.first_lost);
  o["last_lost_at"] = core::iso_millis(gap.last_lost);
  o["error"] = failure_;
  return boost::json::serialize(o);
}

// Writes what is held (gaps as gap records), then `records`, in one write(). On a failure
// the file is cut back to where it was, so it never keeps half a batch (a line torn in the
// middle of the chain), the chain's hash is not moved on, and `records` are held.
void AuditLog::write_batch(std::string_view records) {
  if (held_.empty() && records.empty()) return;
  if (fd_ < 0 && !open_file()) {
    failed(errno, "open");
    hold(records);
    return;
  }
  out_.clear();
  std::string hash = prev_hash_;
  std::uint64_t lost = 0;
  for (const auto& held : held_) {
    append_line(out_, held.lost > 0 ? gap_record(held) : held.record, hash);
    lost += held.lost;
  }
  for_each_record(records, [&](std::string_view record) { append_line(out_, record, hash); });
  struct stat st {};
  std::uint64_t before = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : size_;
  std::size_t done = 0;
  while (done < out_.size()) {
    ssize_t n = ::write(fd_, out_.data() + done, out_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(before)) != 0) {
        // The torn bytes stay; the next open (restart) cuts a torn tail, and verify
        // names the line. Rare: shrinking a file needs no space.
        core::log_error("audit: cannot cut a partial write off " + config_.path + ": " +
                        errno_text());
      }
      failed(error, "write");
      hold(records);
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  prev_hash_ = std::move(hash);
  size_ = before + out_.size();
  dirty_ = true;
  if (lost > 0) {
    core::log_warn("audit: recorded " + std::to_string(lost) + " lost record(s) as gap(s) in " +
                   config_.path);
  }
  held_.clear();
  held_bytes_ = 0;
  held_records_ = 0;
  records_unwritten_.store(0, std::memory_order_relaxed);
  succeeded();
}

void AuditLog::retune(const AuditConfig& next) {
  {
    std::lock_guard lock(tuning_mutex_);
    tuning_ = next;
  }
  // Not a flush(): a reload must not wait on a writer stuck on the disk.
  queue_.nudge();
}

bool AuditLog::take_tuning() {
  std::lock_guard lock(tuning_mutex_);
  if (!tuning_) return false;
  config_.fsync_interval = tuning_->fsync_interval;
  config_.max_bytes = tuning_->max_bytes;
  config_.max_age = tuning_->max_age;
  tuning_.reset();
  return true;
}

// Group commit: one write() per batch (what came in during the queue's delay), one fsync
// per fsync_interval at most (counted from the first write it covers), and both at once
// for a flush or the stop.
void AuditLog::writer_loop() {
  using Clock = LineQueue::Clock;
  constexpr Clock::time_point kNever = Clock::time_point::max();
  Clock::time_point sync_due = kNever;
  for (;;) {
    Clock::time_point until = sync_due;
    if (failing_ && !held_.empty()) until = std::min(until, last_attempt_ + config_.fsync_interval);
    if (fd_ >= 0 && size_ > 0 && !failing_) {  // rotation by age, even with no traffic
      auto age = std::chrono::system_clock::now() - opened_;
      until = std::min(until, Clock::now() + std::max<std::chrono::system_clock::duration>(
                                                 config_.max_age - age, {}));
    }
    LineQueue::Turn turn = queue_.wait(until);
    batch_.clear();
    queue_.take(batch_);
    auto now = Clock::now();
    // A reload's thresholds apply from this turn on, to a pending fsync too.
    if (take_tuning()) sync_due = std::min(sync_due, now + config_.fsync_interval);
    // While the file refuses writes, try again once per fsync_interval, not per batch.
    if (!failing_ || turn.stop || now - last_attempt_ >= config_.fsync_interval) {
      write_batch(batch_);
    } else {
      hold(batch_);
    }
    if (dirty_ && sync_due == kNever) sync_due = now + config_.fsync_interval;
    if (dirty_ && (turn.stop || turn.flush_ticket > 0 || now >= sync_due)) sync();
    if (fd_ >= 0 && !failing_ &&
        (size_ >= config_.max_bytes ||
         (size_ > 0 && std::chrono::system_clock::now() - opened_ >= config_.max_age))) {
      rotate();
    }
    if (!dirty_) sync_due = kNever;
    if (turn.flush_ticket > 0) queue_.flushed(turn.flush_ticket);
    if (turn.stop) break;
  }
  if (!held_.empty()) {
    std::uint64_t unwritten = held_records_;
    for (const auto& held : held_) unwritten += held.lost;
    records_lost_.fetch_add(held_records_, std::memory_order_relaxed);
    core::log_error("audit: " + std::to_string(unwritten) + " record(s) could not be written to " +
                    config_.path +
                    " before exit and are lost; the chain has no gap record "
                    "for them (the file still refuses writes)");
  }
}

VerifyResult verify_audit_files(const std::vector<std::string>& files) {
  VerifyResult result;
  std::string expected;  // empty until the first line: a rotated file may start mid-chain
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    if (!in) throw std::runtime_error(files[f] + ": cannot read");
    std::uint64_t line_no = 0;
    std::string line;
    while (std::getline(in, line)) {
      ++line_no;
      std::string where = files[f] + ":" + std::to_string(line_no);
      if (in.eof()) {  // no '\n' after it
        if (f + 1 == files.size()) {
          result.torn_tail = true;  // a crash mid-line: what came before still verifies
          break;
        }
        throw std::runtime_error(where + ": torn line in the middle of the chain");
      }
      if (!line.starts_with(kPrevPrefix) || line.size() < kPrevPrefix.size() + 65) {
        throw std::runtime_error(where + ": not an audit line (no \"prev\" first)");
      }
      std::string_view prev = std::string_view(line).substr(kPrevPrefix.size(), 64);
      if (expected.empty()) {
        result.first_prev = std::string(prev);
      } else if (prev != expected) {
        throw std::runtime_error(where +
                                 ": chain broken (this line or the one before was edited, "
                                 "removed or reordered)");
      }
      expected = core::sha256_hex(line);
      ++result.lines;
      if (std::string_view(line).substr(kPrevPrefix.size() + 64).starts_with(kGapMarker)) {
        boost::system::error_code ec;
        boost::json::value gap = boost::json::parse(line, ec);
        const boost::json::object* o = ec ? nullptr : gap.if_object();
        if (o == nullptr) throw std::runtime_error(where + ": a gap record that is not JSON");
        AuditGap g;
        g.where = where;
        if (const auto* lost = o->if_contains("lost_records"); lost && lost->is_number()) {
          g.lost_records = lost->to_number<std::uint64_t>();
        }
        if (const auto* v = o->if_contains("first_lost_at"); v && v->is_string()) {
          g.first_lost_at = std::string(v->as_string());
        }
        if (const auto* v = o->if_contains("last_lost_at"); v && v->is_string()) {
          g.last_lost_at = std::string(v->as_string());
        }
        result.lost_records += g.lost_records;
        result.gaps.push_back(std::move(g));
      }
    }
    if (in.bad()) throw std::runtime_error(files[f] + ": read error");
  }
  result.last_hash = expected;
  return result;
}

}  // namespace tollgate::observability
