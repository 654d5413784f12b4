#include "state/sqlite/write_health.h"

#include "gateway/core/log.h"

namespace tollgate::state {

std::string_view to_string(WriteFailure reason) {
  switch (reason) {
    case WriteFailure::disk_full:
      return "disk_full";
    case WriteFailure::read_only:
      return "read_only";
    case WriteFailure::io_error:
      return "io_error";
    case WriteFailure::db_missing:
      return "db_missing";
    case WriteFailure::other:
      break;
  }
  return "other";
}

void WriteHealth::failed(WriteFailure reason, const std::string& error) {
  errors_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  bool starts_outage = false;
  {
    std::lock_guard lock(mutex_);
    starts_outage = outage_failures_++ == 0;
    if (starts_outage) error_ = error;
  }
  writable_.store(false, std::memory_order_release);
  if (starts_outage) {
    core::log_error(what_ + ": cannot write (" + std::string(to_string(reason)) + "): " + error +
                    "; serving on, holding what is unwritten in memory and retrying (further "
                    "failures are counted in tollgate_state_write_errors_total, not logged)");
  }
}

void WriteHealth::succeeded() {
  if (writable_.load(std::memory_order_acquire)) return;
  std::uint64_t failures = 0;
  {
    std::lock_guard lock(mutex_);
    failures = outage_failures_;
    outage_failures_ = 0;
    error_.clear();
  }
  writable_.store(true, std::memory_order_release);
  core::log_warn(what_ + ": writes work again after " + std::to_string(failures) +
                 " failed attempt(s); what was held in memory is written");
}

StoreHealth WriteHealth::snapshot() const {
  StoreHealth out;
  out.writable = writable();
  for (std::size_t i = 0; i < kWriteFailureKinds; ++i) {
    out.write_errors[i] = errors_[i].load(std::memory_order_relaxed);
  }
  std::lock_guard lock(mutex_);
  out.error = error_;
  return out;
}

}  // namespace tollgate::state
