// Scopes spread over striped mutexes (no lock every thread takes), for the in-process
// counters and the lease book: a scope's stripe, and every stripe of a request's scopes
// locked at once.
#pragma once

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "policies/limits/counter_store.h"

namespace tollgate::policies::limits {

template <typename Stripes>
auto& stripe_of(Stripes& stripes, const std::string& scope) {
  return stripes[std::hash<std::string>{}(scope) % stripes.size()];
}

// Locks the stripes of every scope, in index order (no deadlock), so that all scopes are
// checked and taken as one step.
template <typename Stripes>
std::vector<std::unique_lock<std::mutex>> lock_scopes(Stripes& stripes,
                                                      const std::vector<Scope>& scopes) {
  std::vector<std::size_t> indexes;
  indexes.reserve(scopes.size());
  for (const auto& scope : scopes)
    indexes.push_back(std::hash<std::string>{}(scope.id) % stripes.size());
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(indexes.size());
  for (auto i : indexes) locks.emplace_back(stripes[i].mutex);
  return locks;
}

}  // namespace tollgate::policies::limits
