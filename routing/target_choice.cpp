#include "routing/target_choice.h"

#include <algorithm>
#include <limits>
#include <random>

namespace tollgate::routing {

namespace {

std::uint64_t random_below(std::uint64_t n) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(generator);
}

// Lowest score wins; ties go to the earlier target (config order is the tie-break
// an operator expects).
template <typename Score>
std::optional<std::size_t> lowest(const std::vector<std::size_t>& candidates, Score score) {
  std::optional<std::size_t> best;
  double best_score = std::numeric_limits<double>::infinity();
  for (auto i : candidates) {
    double s = score(i);
    if (!best || s < best_score) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

}  // namespace

bool compliant(const ModelTargets& targets, std::size_t i,
               const std::vector<std::string>& residency, std::string_view only_kind) {
  if (!only_kind.empty() && (i >= targets.kind.size() || targets.kind[i] != only_kind)) {
    return false;
  }
  return residency.empty() ||
         std::find(residency.begin(), residency.end(), targets.region[i]) != residency.end();
}

std::optional<std::size_t> choose_target(ModelTargets& targets, const std::vector<bool>& tried,
                                         TargetHealth::Clock::time_point now,
                                         const std::vector<std::string>& residency,
                                         std::string_view only_kind) {
  const auto& configs = targets.model->targets;
  std::vector<std::size_t> candidates;
  // Fresh targets first; a target already tried only when nothing else is left.
  for (int pass = 0; pass < 2 && candidates.empty(); ++pass) {
    for (std::size_t i = 0; i < configs.size(); ++i) {
      if (pass == 0 && tried[i]) continue;
      if (!compliant(targets, i, residency, only_kind)) continue;
      if (targets.model->strategy == core::Strategy::weighted && configs[i].weight == 0) continue;
      if (targets.health[i]->available(now)) candidates.push_back(i);
    }
  }
  if (candidates.empty()) return std::nullopt;

  std::optional<std::size_t> pick;
  switch (targets.model->strategy) {
    case core::Strategy::weighted: {
      std::uint64_t total = 0;
      for (auto i : candidates) total += configs[i].weight;
      std::uint64_t ticket = random_below(total);
      for (auto i : candidates) {
        if (ticket < configs[i].weight) {
          pick = i;
          break;
        }
        ticket -= configs[i].weight;
      }
      break;
    }
    case core::Strategy::round_robin: {
      std::uint64_t n = targets.round_robin.fetch_add(1, std::memory_order_relaxed);
      pick = candidates[n % candidates.size()];
      break;
    }
    case core::Strategy::least_latency:
      // A target never measured goes first: it must be tried to be known.
      pick = lowest(candidates, [&](std::size_t i) {
        auto us = targets.health[i]->latency_us();
        return us < 0 ? -1.0 : static_cast<double>(us);
      });
      break;
    case core::Strategy::least_busy:
      pick = lowest(candidates, [&](std::size_t i) {
        return static_cast<double>(targets.health[i]->in_flight());
      });
      break;
    case core::Strategy::lowest_cost:
      // A target without a price is the last resort: its cost is unknown.
      pick = lowest(candidates, [&](std::size_t i) {
        double c = targets.cost_per_million[i];
        return c < 0 ? std::numeric_limits<double>::max() : c;
      });
      break;
  }
  // The breaker may have moved between available() and now: admit() decides.
  if (pick && !targets.health[*pick]->admit(now)) {
    for (auto i : candidates) {
      if (i != *pick && targets.health[i]->admit(now)) return i;
    }
    return std::nullopt;
  }
  return pick;
}

}  // namespace tollgate::routing
