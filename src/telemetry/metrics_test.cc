#include "telemetry/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace floodgate::telemetry {
namespace {

TEST(CounterTest, ShardsWrittenFromManyThreadsSumExactly) {
  Counter c(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 100000; ++i) c.add(t);
    });
  }
  for (auto& t : threads) t.join();
  c.add(2, 5);
  EXPECT_EQ(c.value(), 400005u);
}

TEST(HistogramTest, CountsEachObservationInItsBucket) {
  Buckets bounds = {0.001, 0.01, 0.1};
  Histogram h(bounds, 2);
  h.observe(0, milliseconds(1));  // exactly on a bound: that bucket (le is inclusive)
  h.observe(1, std::chrono::microseconds(1500));  // (0.001, 0.01]
  h.observe(0, milliseconds(50));                 // (0.01, 0.1]
  h.observe(1, seconds(3));                       // +Inf
  h.observe(0, Duration(-5));                     // a clock step backwards counts as 0
  auto s = h.snapshot();
  ASSERT_EQ(s.counts.size(), 4u);
  EXPECT_EQ(s.counts[0], 2u);
  EXPECT_EQ(s.counts[1], 1u);
  EXPECT_EQ(s.counts[2], 1u);
  EXPECT_EQ(s.counts[3], 1u);
  EXPECT_EQ(s.count(), 5u);
  EXPECT_NEAR(s.sum, 0.001 + 0.0015 + 0.05 + 3, 1e-9);
}

TEST(HistogramTest, QuantilesInterpolateWithinTheBucket) {
  Buckets bounds = {0.1, 0.2, 0.4};
  Histogram h(bounds, 1);
  for (int i = 0; i < 90; ++i) h.observe(0, milliseconds(50));   // (0, 0.1]
  for (int i = 0; i < 10; ++i) h.observe(0, milliseconds(300));  // (0.2, 0.4]
  auto s = h.snapshot();
  EXPECT_NEAR(s.quantile(bounds, 0.5), 0.1 * 50 / 90, 1e-9);
  EXPECT_NEAR(s.quantile(bounds, 0.99), 0.2 + 0.2 * 9 / 10, 1e-9);
  EXPECT_EQ(Histogram::Snapshot{}.quantile(bounds, 0.99), 0);
  h.observe(0, seconds(10));
  for (int i = 0; i < 1000; ++i) h.observe(0, seconds(10));
  EXPECT_EQ(h.snapshot().quantile(bounds, 0.99), 0.4);  // above every bound: the last bound
}

TEST(HistogramTest, SnapshotsSubtractToTheInterval) {
  Buckets bounds = {0.1};
  Histogram h(bounds, 1);
  h.observe(0, milliseconds(10));
  auto before = h.snapshot();
  h.observe(0, milliseconds(200));
  h.observe(0, milliseconds(20));
  auto now = h.snapshot();
  now.subtract(before);
  EXPECT_EQ(now.counts[0], 1u);
  EXPECT_EQ(now.counts[1], 1u);
  EXPECT_NEAR(now.sum, 0.22, 1e-9);
}

}  // namespace
}  // namespace floodgate::telemetry
