// Latency histogram: merge and percentile walks (recording is inline in the header).
#include "loadtest/loadgen/histogram.h"

#include <algorithm>
#include <cmath>

namespace tollgate::loadgen {

std::uint64_t Histogram::bucket_low(std::size_t bucket) noexcept {
  if (bucket < 2 * kSubBuckets) return bucket;
  int shift = static_cast<int>(bucket >> kSubBits) - 1;
  std::uint64_t sub = bucket - (static_cast<std::uint64_t>(shift) << kSubBits);
  return sub << shift;
}

std::uint64_t Histogram::bucket_width(std::size_t bucket) noexcept {
  if (bucket < 2 * kSubBuckets) return 1;
  return std::uint64_t{1} << ((bucket >> kSubBits) - 1);
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t Histogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // the extremes are known exactly
  if (rank == 1) return min_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {  // bounded: kBuckets
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

Histogram::Summary Histogram::summary() const {
  Summary s;
  s.count = count_;
  s.mean = mean();
  s.p50 = percentile(50);
  s.p90 = percentile(90);
  s.p99 = percentile(99);
  s.p999 = percentile(99.9);
  s.max = max_;
  return s;
}

}  // namespace tollgate::loadgen
