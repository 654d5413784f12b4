// A MaxMind-format database (GeoLite2, DB-IP lite, any country or city database) through
// libmaxminddb: memory-mapped, looked up once per request without a lock that threads
// share, and reloaded when its file changes (a new release moved into place) by a
// watcher thread; a file that will not open on reload leaves the old one in use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "policies/geo/client_address.h"

namespace tollgate::policies::geo {

// Two-letter ISO codes, upper case; empty when the database does not say.
struct Place {
  std::string country;    // ISO 3166-1 alpha-2 ("DE")
  std::string continent;  // "EU", "NA", "AS", "AF", "OC", "SA", "AN"
};

class GeoDatabase {
 public:
  // Opens `path`; throws std::runtime_error naming it when it is missing or not a
  // MaxMind database. The watcher looks at the file every `poll`.
  explicit GeoDatabase(std::string path,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(1000));
  ~GeoDatabase();
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;

  Place lookup(const IpAddress& address) const;
  const std::string& path() const { return path_; }
  // How many times the file was loaded (1 after the constructor).
  std::uint64_t loads() const { return loads_.load(std::memory_order_relaxed); }

  struct Mapped;  // one opened file (MMDB_s), closed when its last reader lets go

 private:
  // The file's identity (device, inode, size, modification time), to see a change.
  struct Stamp {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  static std::optional<Stamp> stamp_of(const std::string& path);
  const Mapped& current() const;
  void watch(std::stop_token stop);
  void reload_if_changed();

  std::string path_;
  std::chrono::milliseconds poll_;
  mutable std::mutex mutex_;  // guards mapped_; taken by a thread only after a reload
  std::shared_ptr<const Mapped> mapped_;
  // Unique across databases and loads: what a thread's cached copy is checked against.
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> loads_{0};
  Stamp stamp_;  // of the file last tried (the watcher's)
  std::condition_variable_any wake_;
  std::mutex wake_mutex_;
  std::jthread watcher_;
};

}  // namespace tollgate::policies::geo
