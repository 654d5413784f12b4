// Read-only views that /metrics needs from other folders: the gateway publishes its
// circuit breakers and the state module its SQLite file's health through core::Services,
// so observability reads them without depending on routing or state.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tollgate::core {

// One target's circuit breaker: 0 closed, 1 open, 2 half-open.
struct BreakerView {
  std::string model, provider, target;
  int state = 0;
};

class BreakerSource {
 public:
  virtual ~BreakerSource() = default;
  virtual std::vector<BreakerView> breakers() const = 0;
};

// The state file's writes.
struct StoreWriteView {
  std::vector<std::pair<std::string, std::uint64_t>> write_errors;  // by reason, all listed
  bool writable = true;
  std::uint64_t unwritten_usage_rows = 0;
  std::uint64_t dropped_usage_rows = 0;
};

class StoreHealthSource {
 public:
  virtual ~StoreHealthSource() = default;
  virtual StoreWriteView store_health() const = 0;
};

}  // namespace tollgate::core
