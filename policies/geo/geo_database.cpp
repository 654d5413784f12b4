#include "policies/geo/geo_database.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cstring>
#include <stdexcept>

#include "gateway/core/log.h"

namespace tollgate::policies::geo {

struct GeoDatabase::Mapped {
  MMDB_s db{};
  std::uint64_t generation = 0;
  ~Mapped() { MMDB_close(&db); }
};

namespace {

std::atomic<std::uint64_t> next_generation{1};

std::shared_ptr<const GeoDatabase::Mapped> open_mapped(const std::string& path) {
  auto mapped = std::make_shared<GeoDatabase::Mapped>();
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mapped->db);
  if (status != MMDB_SUCCESS) {
    std::string why = status == MMDB_IO_ERROR ? std::string(std::strerror(errno))
                                              : std::string(MMDB_strerror(status));
    // MMDB_open leaves nothing to close when it fails.
    mapped->db = MMDB_s{};
    throw std::runtime_error("cannot open the geo database '" + path + "': " + why);
  }
  mapped->generation = next_generation.fetch_add(1, std::memory_order_relaxed);
  return mapped;
}

// A two-letter code at `path...` of the entry, upper-cased; empty when absent or not one
// (a metric label and a log field take it: never anything else).
template <typename... Path>
std::string code_at(MMDB_entry_s& entry, Path... path) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, path..., nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2) {
    return {};
  }
  std::string code(data.utf8_string, 2);
  for (char& c : code) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return {};
  }
  return code;
}

}  // namespace

GeoDatabase::GeoDatabase(std::string path, std::chrono::milliseconds poll)
    : path_(std::move(path)), poll_(poll) {
  stamp_ = stamp_of(path_).value_or(Stamp{});
  mapped_ = open_mapped(path_);
  generation_.store(mapped_->generation, std::memory_order_release);
  loads_.store(1, std::memory_order_relaxed);
  watcher_ = std::jthread([this](std::stop_token stop) { watch(std::move(stop)); });
}

GeoDatabase::~GeoDatabase() {
  watcher_.request_stop();
  wake_.notify_all();
}

std::optional<GeoDatabase::Stamp> GeoDatabase::stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return Stamp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
               static_cast<std::uint64_t>(st.st_size),
               static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

void GeoDatabase::watch(std::stop_token stop) {
  std::unique_lock lock(wake_mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, poll_, [] { return false; });
    if (stop.stop_requested()) return;
    reload_if_changed();
  }
}

void GeoDatabase::reload_if_changed() {
  std::optional<Stamp> now = stamp_of(path_);
  if (!now || *now == stamp_) return;  // gone (being replaced?) or unchanged
  stamp_ = *now;                       // tried once per change, not every poll
  try {
    auto fresh = open_mapped(path_);
    std::uint64_t generation = fresh->generation;
    {
      std::lock_guard guard(mutex_);
      mapped_ = std::move(fresh);
    }
    generation_.store(generation, std::memory_order_release);
    loads_.fetch_add(1, std::memory_order_relaxed);
    core::log_info("geo: reloaded " + path_);
  } catch (const std::exception& e) {
    core::log_warn(std::string("geo: ") + e.what() + "; the database loaded before stays in use");
  }
}

// Each thread keeps the database it last used and takes the mutex only when a reload
// made a new one: the hot path reads one atomic that only a reload writes, and touches
// no reference count that threads share (the thread's copy keeps the mapping alive).
const GeoDatabase::Mapped& GeoDatabase::current() const {
  thread_local std::shared_ptr<const Mapped> cached;
  std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (!cached || cached->generation != generation) {
    std::lock_guard guard(mutex_);
    cached = mapped_;
  }
  return *cached;
}

Place GeoDatabase::lookup(const IpAddress& address) const {
  auto& db = const_cast<MMDB_s&>(current().db);  // libmaxminddb reads it only
  sockaddr_storage storage{};
  if (address.v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, address.bytes.data() + 12, 4);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, address.bytes.data(), 16);
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result =
      MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&storage), &error);
  Place place;
  if (error != MMDB_SUCCESS || !result.found_entry) return place;
  place.country = code_at(result.entry, "country", "iso_code");
  if (place.country.empty())
    place.country = code_at(result.entry, "registered_country", "iso_code");
  place.continent = code_at(result.entry, "continent", "code");
  return place;
}

}  // namespace tollgate::policies::geo
