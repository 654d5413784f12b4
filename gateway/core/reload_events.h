// What a configuration reload tells whoever counts it (the metrics provide this through
// core::Services): the gateway reloads, observability counts, neither includes the other.
#pragma once

namespace tollgate::core {

class ReloadEvents {
 public:
  virtual ~ReloadEvents() = default;
  // A reload ended: applied (`ok`) or refused, the old configuration still serving.
  virtual void reloaded(bool ok) = 0;
};

}  // namespace tollgate::core
