#include "policies/pii/resolve.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

namespace tollgate::policies::pii {

namespace {

// Up to this many kept findings, a linear overlap check beats a tree (and allocates
// nothing beyond `out`); past it, a text crowded with values still costs n log n.
constexpr std::size_t kLinearLimit = 64;

bool overlaps(const Finding& a, const Finding& b) {
  return a.begin < b.end && b.begin < a.end;
}

}  // namespace

void resolve_overlaps(std::vector<Finding>& candidates, std::vector<Finding>& out) {
  out.clear();
  std::sort(candidates.begin(), candidates.end(), [](const Finding& a, const Finding& b) {
    std::size_t la = a.end - a.begin;
    std::size_t lb = b.end - b.begin;
    if (la != lb) return la > lb;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
  });
  std::set<std::pair<std::size_t, std::size_t>> kept;  // used past kLinearLimit only
  for (const Finding& candidate : candidates) {
    if (candidate.begin >= candidate.end) continue;
    if (out.size() < kLinearLimit) {
      bool clash = std::any_of(out.begin(), out.end(),
                               [&](const Finding& k) { return overlaps(k, candidate); });
      if (clash) continue;
      out.push_back(candidate);
      if (out.size() == kLinearLimit) {
        for (const Finding& k : out) kept.emplace(k.begin, k.end);
      }
      continue;
    }
    auto next = kept.lower_bound({candidate.begin, 0});
    if (next != kept.end() && next->first < candidate.end) continue;
    if (next != kept.begin() && std::prev(next)->second > candidate.begin) continue;
    kept.emplace_hint(next, candidate.begin, candidate.end);
    out.push_back(candidate);
  }
  std::sort(out.begin(), out.end(),
            [](const Finding& a, const Finding& b) { return a.begin < b.begin; });
}

}  // namespace tollgate::policies::pii
