// What a request asks of the cache in its headers: `cache-control: no-cache` (no lookup)
// and `no-store`, `x-tollgate-cache: bypass | refresh`, `x-tollgate-cache-ttl: SECONDS`
// and `x-tollgate-cache-threshold: 0.95` (may raise the configured threshold, never lower
// it). A value the gateway cannot read is a 400, not silently ignored.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "gateway/core/headers.h"

namespace tollgate::cache {

struct Controls {
  bool lookup = true;
  bool store = true;
  std::optional<std::chrono::seconds> ttl;
  std::optional<double> threshold;
};

// Fills `out`; on a bad value returns the message for a 400 and the header it names.
std::optional<std::string> read_controls(const core::Headers& headers, Controls& out);

}  // namespace tollgate::cache
