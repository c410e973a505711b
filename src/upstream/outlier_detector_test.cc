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
  ManualClock clock;
  auto config = defaults();
  config.interval = seconds(5);
  OutlierDetector d(config, 5);
  std::vector<EndpointSample> s(5);
  d.tick(clock.now(), s);
  for (size_t i = 0; i < 5; ++i) {
    s[i].requests = 1000;
    s[i].failures = i == 3 ? 400 : 5;
  }
  clock.advance(seconds(5));
  auto changes = d.tick(clock.now(), s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 3u);
  EXPECT_NE(changes[0].reason.find("success rate"), std::string::npos);
}

TEST(OutlierDetector, MinimumSuccessRate) {
  ManualClock clock;
  auto config = defaults();
  config.min_success_rate = 90;
  config.success_rate_stdev = 0;
  OutlierDetector d(config, 2);
  std::vector<EndpointSample> s(2);
  d.tick(clock.now(), s);
  s[0] = {100, 20, 0, 0, 0};
  s[1] = {100, 5, 0, 0, 0};
  clock.advance(config.interval);
  auto changes = d.tick(clock.now(), s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 0u);
}

TEST(OutlierDetector, LatencyFarAboveTheClusterMedian) {
  ManualClock clock;
  auto config = defaults();
  config.latency_factor = 3;
  OutlierDetector d(config, 4);
  std::vector<EndpointSample> s(4);
  d.tick(clock.now(), s);
  for (size_t i = 0; i < 4; ++i) s[i] = {100, 0, i == 2 ? 100000u : 1000u, 0, 0};  // 1 s vs 10 ms
  clock.advance(config.interval);
  auto changes = d.tick(clock.now(), s);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].endpoint, 2u);
}

TEST(OutlierDetector, QuietEndpointsAreNotJudgedOnRate) {
  ManualClock clock;
  auto config = defaults();
  config.min_success_rate = 90;
  OutlierDetector d(config, 2);
  std::vector<EndpointSample> s(2);
  d.tick(clock.now(), s);
  s[0] = {10, 10, 0, 0, 0};  // below success_rate_request_volume
  clock.advance(config.interval);
  EXPECT_TRUE(d.tick(clock.now(), s).empty());
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
