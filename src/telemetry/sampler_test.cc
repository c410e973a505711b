#include "telemetry/sampler.h"

#include <gtest/gtest.h>

#include "telemetry/metric_names.h"

namespace floodgate::telemetry {
namespace {

TEST(SamplerTest, TurnsTotalsIntoPerSecondRatesAndP99) {
  Registry registry(1);
  History history;
  Sampler sampler(&registry, &history);
  Counter* ok = registry.counter(names::kRequests, "h", {{"route", "a"}, {"code", "2xx"}});
  Counter* bad = registry.counter(names::kRequests, "h", {{"route", "a"}, {"code", "5xx"}});
  Histogram* d = registry.histogram(names::kRequestDuration, "h", {{"route", "a"}});
  double rejected = 0;
  registry.callback(names::kRejections, "h", MetricType::kCounter, {{"reason", "x"}},
                    [&rejected] { return rejected; });
  registry.callback(names::kConnectionsActive, "h", MetricType::kGauge, {}, [] { return 7.0; });

  ok->add(0, 1000);
  for (int i = 0; i < 1000; ++i) d->observe(0, seconds(20));
  sampler.tick(100, 1);  // everything since the start
  EXPECT_EQ(history.points(Series::kRequests, Resolution::kSecond).back().value, 1000);
  // All in (10 s, 30 s]: interpolated at 99% of the way through that bucket.
  EXPECT_NEAR(sampler.last().p99_seconds, 29.8, 1e-9);

  ok->add(0, 90);
  bad->add(0, 10);
  rejected = 40;
  for (int i = 0; i < 100; ++i) d->observe(0, milliseconds(3));
  sampler.tick(101, 2);  // two seconds passed
  auto req = history.points(Series::kRequests, Resolution::kSecond);
  ASSERT_EQ(req.size(), 2u);
  EXPECT_EQ(req[1].time, 101);
  EXPECT_DOUBLE_EQ(req[1].value, 50);
  const Sample& s = sampler.last();
  EXPECT_DOUBLE_EQ(s.errors_5xx, 5);
  EXPECT_DOUBLE_EQ(s.rejected, 20);
  EXPECT_DOUBLE_EQ(s.success, 0.9);
  EXPECT_DOUBLE_EQ(s.connections, 7);
  // All 100 in (2.5 ms, 5 ms]: the old 20 s requests are not in this window.
  EXPECT_GT(s.p99_seconds, 0.0025);
  EXPECT_LE(s.p99_seconds, 0.005);

  sampler.tick(102, 1);  // a quiet second
  EXPECT_EQ(sampler.last().requests, 0);
  EXPECT_EQ(sampler.last().success, 1);
  EXPECT_EQ(sampler.last().p99_seconds, 0);
}

}  // namespace
}  // namespace floodgate::telemetry
