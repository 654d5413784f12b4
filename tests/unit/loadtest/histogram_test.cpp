// The load generator's latency histogram: percentiles within 1% on known distributions,
// bucket bounds, merging across threads, and the extremes of its range.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "loadtest/loadgen/histogram.h"

using tollgate::loadgen::Histogram;

namespace {

// The exact percentile of sorted values, by the same rank rule (ceil(p/100 * n)).
std::uint64_t exact(const std::vector<std::uint64_t>& sorted, double percent) {
  auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * sorted.size()));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

void require_within_1pct(std::uint64_t got, std::uint64_t want) {
  INFO("got " << got << ", want " << want);
  REQUIRE(std::abs(static_cast<double>(got) - static_cast<double>(want)) <=
          0.01 * static_cast<double>(want) + 0.5);
}

}  // namespace

TEST_CASE("every value falls in a bucket whose bounds contain it and are at most 1/128 wide") {
  for (std::uint64_t v :
       std::vector<std::uint64_t>{0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 257ull, 1000ull,
                                  4095ull, 4096ull, 123456789ull, Histogram::kMaxValue}) {
    std::size_t b = Histogram::bucket_of(v);
    INFO("value " << v << " bucket " << b);
    REQUIRE(b < Histogram::kBuckets);
    REQUIRE(Histogram::bucket_low(b) <= v);
    REQUIRE(v < Histogram::bucket_low(b) + Histogram::bucket_width(b));
    if (v >= 256) REQUIRE(Histogram::bucket_width(b) * 128 <= Histogram::bucket_low(b));
  }
  REQUIRE(Histogram::bucket_of(Histogram::kMaxValue) == Histogram::kBuckets - 1);
  // Buckets are contiguous: each starts where the one before ends.
  for (std::size_t b = 1; b < Histogram::kBuckets; ++b)
    REQUIRE(Histogram::bucket_low(b) ==
            Histogram::bucket_low(b - 1) + Histogram::bucket_width(b - 1));
}

TEST_CASE("small values are exact") {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  REQUIRE(h.count() == 100);
  REQUIRE(h.percentile(50) == 50);
  REQUIRE(h.percentile(90) == 90);
  REQUIRE(h.percentile(99) == 99);
  REQUIRE(h.percentile(100) == 100);
  REQUIRE(h.percentile(0) == 1);
  REQUIRE(h.min() == 1);
  REQUIRE(h.max() == 100);
  REQUIRE(h.mean() == Approx(50.5));
}

TEST_CASE("percentiles of a uniform distribution are within 1%") {
  Histogram h;
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 1; v <= 1'000'000; v += 7) {
    h.record(v);
    values.push_back(v);
  }
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99})
    require_within_1pct(h.percentile(p), exact(values, p));
  REQUIRE(h.max() == values.back());
  double sum = 0;
  for (auto v : values) sum += static_cast<double>(v);
  REQUIRE(h.mean() == Approx(sum / static_cast<double>(values.size())));
}

TEST_CASE("percentiles of a long-tailed distribution are within 1%") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(800.0), 1.2);  // µs, median ~800
  Histogram h;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<std::uint64_t>(latency(rng)) + 1;
    h.record(v);
    values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) require_within_1pct(h.percentile(p), exact(values, p));
  auto s = h.summary();
  REQUIRE(s.count == values.size());
  REQUIRE(s.max == values.back());
  require_within_1pct(s.p999, exact(values, 99.9));
}

TEST_CASE("merging histograms equals recording everything in one") {
  Histogram a, b, all;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> fast(50, 500), slow(10'000, 2'000'000);
  for (int i = 0; i < 50'000; ++i) {
    auto v = fast(rng);
    a.record(v);
    all.record(v);
    auto w = slow(rng);
    b.record(w);
    all.record(w);
  }
  Histogram merged;
  merged.merge(a);
  merged.merge(b);
  REQUIRE(merged.count() == all.count());
  REQUIRE(merged.min() == all.min());
  REQUIRE(merged.max() == all.max());
  REQUIRE(merged.mean() == Approx(all.mean()));
  for (double p : {10.0, 50.0, 75.0, 90.0, 99.0, 99.9})
    REQUIRE(merged.percentile(p) == all.percentile(p));
  // Half the values are fast: the median sits at the top of the fast ones.
  REQUIRE(merged.percentile(49) <= 500);
  REQUIRE(merged.percentile(51) >= 10'000);
}

TEST_CASE("extremes: empty, zero, a single value, the top of the range and beyond") {
  Histogram h;
  REQUIRE(h.count() == 0);
  REQUIRE(h.percentile(99) == 0);
  REQUIRE(h.mean() == 0);
  REQUIRE(h.summary().max == 0);

  h.record(0);
  REQUIRE(h.percentile(50) == 0);
  REQUIRE(h.max() == 0);

  Histogram one;
  one.record(100'000'000);  // 100 s in µs
  REQUIRE(one.percentile(0) == 100'000'000);
  REQUIRE(one.percentile(50) == 100'000'000);  // clamped to the only value seen
  REQUIRE(one.percentile(100) == 100'000'000);

  Histogram wide;
  wide.record(1);
  wide.record(100'000'000);
  REQUIRE(wide.percentile(50) == 1);
  REQUIRE(wide.percentile(100) == 100'000'000);
  REQUIRE(wide.mean() == Approx(50'000'000.5));

  Histogram huge;
  huge.record(Histogram::kMaxValue * 4);  // beyond the range: counted, max kept exactly
  huge.record(10);
  REQUIRE(huge.count() == 2);
  REQUIRE(huge.max() == Histogram::kMaxValue * 4);
  REQUIRE(huge.percentile(100) >= Histogram::kMaxValue / 2);

  Histogram many;
  many.record_n(1234, 1'000'000'000);
  require_within_1pct(many.percentile(99.9), 1234);
  REQUIRE(many.count() == 1'000'000'000);
  many.reset();
  REQUIRE(many.count() == 0);
}

TEST_CASE("percentile walks every bucket up to a value near 100 s within 1%") {
  for (std::uint64_t v = 1; v < 100'000'000; v = v * 3 / 2 + 1) {
    Histogram h;
    h.record(0);  // v in the middle, so the answer is its bucket's midpoint, not min or max
    h.record(v);
    h.record(10 * v + 1);
    require_within_1pct(h.percentile(50), v);
  }
}
