#include "telemetry/history.h"

#include <gtest/gtest.h>

namespace floodgate::telemetry {
namespace {

constexpr int64_t kStart = 1'800'000'000;  // a minute boundary (divisible by 60)

Sample withRequests(double r) {
  Sample s;
  s.requests = r;
  return s;
}

TEST(HistoryTest, KeepsTheLastHourOfSeconds) {
  History h;
  for (int64_t i = 0; i < 4000; ++i) h.record(kStart + i, withRequests(static_cast<double>(i)));
  auto points = h.points(Series::kRequests, Resolution::kSecond);
  ASSERT_EQ(points.size(), History::kSeconds);
  EXPECT_EQ(points.front().time, kStart + 400);
  EXPECT_EQ(points.front().value, 400);
  EXPECT_EQ(points.back().time, kStart + 3999);
  auto last3 = h.points(Series::kRequests, Resolution::kSecond, 3);
  ASSERT_EQ(last3.size(), 3u);
  EXPECT_EQ(last3[0].value, 3997);
}

TEST(HistoryTest, MinutesAverageRatesAndKeepTheWorstP99) {
  History h;
  for (int64_t i = 0; i < 60; ++i) {
    Sample s;
    s.requests = i < 30 ? 10 : 20;
    s.errors_5xx = i == 0 ? 60 : 0;
    s.p99_seconds = i == 7 ? 0.9 : 0.1;
    s.success = i < 30 ? 1 : 0.5;
    s.connections = 4;
    h.record(kStart + i, s);
  }
  EXPECT_TRUE(h.points(Series::kRequests, Resolution::kMinute).empty());  // minute still open
  h.record(kStart + 61, withRequests(1));
  auto req = h.points(Series::kRequests, Resolution::kMinute);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].time, kStart);
  EXPECT_DOUBLE_EQ(req[0].value, 15);
  EXPECT_DOUBLE_EQ(h.points(Series::kErrors5xx, Resolution::kMinute)[0].value, 1);
  EXPECT_DOUBLE_EQ(h.points(Series::kP99, Resolution::kMinute)[0].value, 0.9);
  EXPECT_DOUBLE_EQ(h.points(Series::kSuccess, Resolution::kMinute)[0].value, 0.75);
  EXPECT_DOUBLE_EQ(h.points(Series::kConnections, Resolution::kMinute)[0].value, 4);
}

TEST(HistoryTest, KeepsADayOfMinutes) {
  History h;
  for (int64_t m = 0; m < 1500; ++m)
    h.record(kStart + m * 60, withRequests(static_cast<double>(m)));
  auto points = h.points(Series::kRequests, Resolution::kMinute);
  ASSERT_EQ(points.size(), History::kMinutes);
  EXPECT_EQ(points.back().value, 1498);  // the last minute is still open
  EXPECT_EQ(points.front().value, 1498 - 1439);
}

TEST(HistoryTest, SeriesNames) {
  for (size_t i = 0; i < static_cast<size_t>(Series::kCount); ++i) {
    auto s = static_cast<Series>(i);
    EXPECT_EQ(seriesFromName(seriesName(s)), s);
  }
  EXPECT_FALSE(seriesFromName("nope").has_value());
}

}  // namespace
}  // namespace floodgate::telemetry
