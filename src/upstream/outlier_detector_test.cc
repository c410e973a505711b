#include "upstream/outlier_detector.h"

#include <gtest/gtest.h>

namespace floodgate::upstream {
namespace {

config::OutlierDetection defaults() {
  config::OutlierDetection o;
  o.base_ejection = seconds(30);
  o.max_ejection = seconds(300);
  o.max_ejected_percent = 50;
  return o;
}

// The changes after one rate window in which the endpoints did `window` (from zero counters).
std::vector<OutlierChange> judgeOneWindow(const config::OutlierDetection& config,
                                          const std::vector<EndpointSample>& window) {
  ManualClock clock;
  OutlierDetector d(config, window.size());
  d.tick(clock.now(), std::vector<EndpointSample>(window.size()));
  clock.advance(config.interval);
  return d.tick(clock.now(), window);
}

TEST(OutlierDetector, ConsecutiveGatewayFailuresEject) {
  ManualClock clock;
  OutlierDetector d(defaults(), 3);
  std::vector<EndpointSample> s(3);
  EXPECT_TRUE(d.tick(clock.now(), s).empty());
  s[1].consecutive_gateway = 5;
  auto changes = d.tick(clock.now(), s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 1u);
  EXPECT_TRUE(changes[0].ejected);
  EXPECT_EQ(changes[0].duration, seconds(30));
  EXPECT_TRUE(d.ejected(1));
}

TEST(OutlierDetector, PassingHealthChecksEndAnEjectionButNotItsCount) {
  ManualClock clock;
  OutlierDetector d(defaults(), 2);
  std::vector<EndpointSample> s(2);
  d.tick(clock.now(), s);
  s[0].consecutive_gateway = 5;
  ASSERT_EQ(d.tick(clock.now(), s).size(), 1u);
  EXPECT_FALSE(d.uneject(1));  // never ejected
  EXPECT_TRUE(d.uneject(0));
  EXPECT_FALSE(d.ejected(0));
  EXPECT_FALSE(d.uneject(0));
  EXPECT_TRUE(d.tick(clock.now() + seconds(1), std::vector<EndpointSample>(2)).empty());
  clock.advance(seconds(2));
  auto again = d.tick(clock.now(), s);  // a repeat offence: twice as long
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].ejections, 2);
  EXPECT_EQ(again[0].duration, seconds(60));
}

TEST(OutlierDetector, EjectionGrowsWithRepeatOffencesAndIsCapped) {
  ManualClock clock;
  auto config = defaults();
  config.max_ejection = seconds(70);
  OutlierDetector d(config, 2);
  std::vector<EndpointSample> s(2);
  std::vector<Duration> durations;
  for (int round = 0; round < 4; ++round) {
    s[0].consecutive_5xx = 5;
    auto changes = d.tick(clock.now(), s);
    ASSERT_EQ(changes.size(), 1u) << round;
    durations.push_back(changes[0].duration);
    s[0].consecutive_5xx = 0;  // the control side resets it on ejection
    clock.advance(changes[0].duration - milliseconds(1));
    EXPECT_TRUE(d.tick(clock.now(), s).empty());
    clock.advance(milliseconds(1));
    auto back = d.tick(clock.now(), s);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_FALSE(back[0].ejected);
  }
  EXPECT_EQ(durations[0], seconds(30));
  EXPECT_EQ(durations[1], seconds(60));
  EXPECT_EQ(durations[2], seconds(70));
  EXPECT_EQ(durations[3], seconds(70));
}

TEST(OutlierDetector, CapsTheEjectedShareButAlwaysAllowsOne) {
  ManualClock clock;
  auto config = defaults();
  config.max_ejected_percent = 10;
  OutlierDetector d(config, 4);
  std::vector<EndpointSample> s(4);
  for (auto& x : s) x.consecutive_gateway = 10;
  d.tick(clock.now(), s);
  EXPECT_EQ(d.ejectedCount(), 1u);
}

TEST(OutlierDetector, SuccessRateFarBelowTheCluster) {
  std::vector<EndpointSample> s(5);
  for (size_t i = 0; i < 5; ++i) s[i] = {1000, i == 3 ? 400u : 5u, 0, 0, 0};
  auto changes = judgeOneWindow(defaults(), s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 3u);
  EXPECT_NE(changes[0].reason.find("success rate"), std::string::npos);
}

TEST(OutlierDetector, MinimumSuccessRate) {
  auto config = defaults();
  config.min_success_rate = 90;
  config.success_rate_stdev = 0;
  auto changes = judgeOneWindow(config, {{100, 20, 0, 0, 0}, {100, 5, 0, 0, 0}});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 0u);
}

TEST(OutlierDetector, LatencyFarAboveTheClusterMedian) {
  auto config = defaults();
  config.latency_factor = 3;
  std::vector<EndpointSample> s(4);
  // 100 requests each: a mean of 1 ms on endpoint 2, 10 us on the others.
  for (size_t i = 0; i < 4; ++i) s[i] = {100, 0, i == 2 ? 100000u : 1000u, 0, 0};
  auto changes = judgeOneWindow(config, s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 2u);
  EXPECT_NE(changes[0].reason.find("latency"), std::string::npos);
}

TEST(OutlierDetector, QuietEndpointsAreNotJudgedOnRate) {
  auto config = defaults();
  config.min_success_rate = 90;
  // All failed, but 10 requests are below success_rate_request_volume.
  EXPECT_TRUE(judgeOneWindow(config, {{10, 10, 0, 0, 0}, {0, 0, 0, 0, 0}}).empty());
}

TEST(OutlierDetector, DisabledNeverEjects) {
  ManualClock clock;
  auto config = defaults();
  config.enabled = false;
  OutlierDetector d(config, 2);
  std::vector<EndpointSample> s(2);
  s[0].consecutive_5xx = 100;
  EXPECT_TRUE(d.tick(clock.now(), s).empty());
}

}  // namespace
}  // namespace floodgate::upstream
