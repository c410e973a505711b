#include "storm/latency_histogram.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(LatencyHistogram, EmptyReadsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueWithSmallRelativeError) {
  const uint64_t values[] = {0,   1,    127,    128,       255,
                             256, 1000, 50'000, 1'234'567, LatencyHistogram::kMaxMicros};
  for (uint64_t v : values) {
    size_t i = LatencyHistogram::indexOf(v);
    ASSERT_LT(i, LatencyHistogram::kBuckets) << v;
    uint64_t lo = LatencyHistogram::lowestOf(i);
    uint64_t width = LatencyHistogram::widthOf(i);
    EXPECT_LE(lo, v);
    EXPECT_LT(v, lo + width);
    EXPECT_LE(static_cast<double>(width), 1.0 + static_cast<double>(v) / 128.0) << v;
  }
}

TEST(LatencyHistogram, IndexIsMonotonic) {
  size_t last = 0;
  for (uint64_t v = 0; v < 5'000'000; v += 37) {
    size_t i = LatencyHistogram::indexOf(v);
    EXPECT_GE(i, last);
    last = i;
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100'000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100'000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 50'000, 50'000 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 99'000, 99'000 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.percentile(99.9)), 99'900, 99'900 * 0.01);
  EXPECT_EQ(h.percentile(100), 100'000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_NEAR(h.mean(), 50'000.5, 0.01);
}

TEST(LatencyHistogram, ConstantLatencyReadsBack) {
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(50'000);
  EXPECT_EQ(h.percentile(50), 50'000u);  // clamped to [min, max]
  EXPECT_EQ(h.percentile(99.9), 50'000u);
}

TEST(LatencyHistogram, TailIsSeen) {
  LatencyHistogram h;
  for (int i = 0; i < 990; ++i) h.record(1'000);
  for (int i = 0; i < 10; ++i) h.record(800'000);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 1'000, 10);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 1'000, 10);
  EXPECT_NEAR(static_cast<double>(h.percentile(99.9)), 800'000, 800'000 * 0.01);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 20'000; v += 3) {
    (v % 2 ? a : b).record(v * 7);
    all.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
}

TEST(LatencyHistogram, HugeValuesClamp) {
  LatencyHistogram h;
  h.record(~uint64_t{0} / 2);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_LE(h.percentile(50), ~uint64_t{0} / 2);
}

}  // namespace
}  // namespace floodgate::storm
