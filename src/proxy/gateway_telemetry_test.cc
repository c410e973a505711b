#include "proxy/gateway_telemetry.h"

#include <gtest/gtest.h>

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

// A config with one cluster, "app".
auto oneCluster() {
  return config::loadConfigString(
      "listeners: [{ address: 127.0.0.1:8080 }]\n"
      "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n",
      "metrics.yaml");
}

TEST(AmplificationWindowTest, AttemptsPerRequestOverTheLastTenSeconds) {
  auto loaded = oneCluster();
  ASSERT_TRUE(loaded.ok()) << loaded.describeProblems();
  telemetry::Registry registry(1);
  telemetry::Counter* attempts =
      registry.counter(names::kUpstreamAttempts, "h", {{"cluster", "app"}});
  telemetry::Counter* requests =
      registry.counter(names::kDownstreamRequests, "h", {{"cluster", "app"}});
  AmplificationWindow window;
  auto factor = [&] {
    return registry.gauge(names::kAmplification, "h", {{"cluster", "app"}})->value();
  };

  attempts->add(0, 30);  // before the first update: still in the first window
  requests->add(0, 10);
  window.update(registry, *loaded.config);
  EXPECT_DOUBLE_EQ(factor(), 3);
  for (int s = 0; s < 10; ++s) {  // ten quiet seconds push the retry storm out of the window
    attempts->add(0, 10);
    requests->add(0, 10);
    window.update(registry, *loaded.config);
  }
  EXPECT_DOUBLE_EQ(factor(), 1);
  for (int s = 0; s < 11; ++s) window.update(registry, *loaded.config);
  EXPECT_DOUBLE_EQ(factor(), 0);  // no requests in the window
}

// The shield's series as scraped: each counter read from the workers' counters, the adaptive
// limit per cluster by name, the detector's memory after a tick.
TEST(ShieldMetricsTest, RenderedFromTheShieldsCounters) {
  auto loaded = oneCluster();
  ASSERT_TRUE(loaded.ok()) << loaded.describeProblems();
  ShieldState shield(loaded.config->shield, 2);
  governor::Governor governor;
  DefenseLoop defense({}, &shield, &governor);
  telemetry::Registry registry(2);
  registerShieldMetrics(&registry, &shield, &defense,
                        [] { return std::vector<std::string>{"app", "backup"}; });

  using shield::PriorityClass;
  ShieldCounters::bump(shield.counters(0).by_class, PriorityClass::kKnownGood);
  ShieldCounters::bump(shield.counters(1).by_class, PriorityClass::kKnownGood);
  ShieldCounters::bump(shield.counters(1).by_class, PriorityClass::kSuspicious);
  ShieldCounters::bump(shield.counters(0).queued_by_class, PriorityClass::kUnknown);
  ShieldCounters::bump(shield.counters(0).shed_by_class, PriorityClass::kUnknown);
  ShieldCounters::bump(shield.counters(0).timeout_by_class, PriorityClass::kUnknown);
  shield.counters(0).challenge_issued += 3;
  shield.counters(1).challenge_passed += 2;
  shield.counters(1).challenge_failed += 1;
  defense.tick(MonoClock::now());

  const std::string text = registry.exposition();
  for (const char* line : {
           "floodgate_requests_by_class_total{class=\"known_good\"} 2\n",
           "floodgate_requests_by_class_total{class=\"unknown\"} 0\n",
           "floodgate_requests_by_class_total{class=\"suspicious\"} 1\n",
           "floodgate_origin_protection_queued_total{class=\"unknown\"} 1\n",
           "floodgate_origin_protection_shed_total{class=\"unknown\"} 1\n",
           "floodgate_origin_protection_timeouts_total{class=\"unknown\"} 1\n",
           "floodgate_origin_protection_timeouts_total{class=\"known_good\"} 0\n",
           "floodgate_challenges_total{outcome=\"issued\"} 3\n",
           "floodgate_challenges_total{outcome=\"passed\"} 2\n",
           "floodgate_challenges_total{outcome=\"failed\"} 1\n",
           "# TYPE floodgate_top_offender_requests_per_second gauge\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // Each cluster by name, with the gate's limit now.
  for (const char* cluster : {"app", "backup"}) {
    std::string prefix = std::string("floodgate_origin_adaptive_limit{cluster=\"") + cluster + "\"} ";
    size_t at = text.find(prefix);
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_GT(std::stod(text.substr(at + prefix.size())), 0) << text;
  }
  const std::string memory = "\nfloodgate_detector_memory_bytes ";
  size_t at = text.find(memory);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GT(std::stod(text.substr(at + memory.size())), 1000) << text;
  // No traffic, no offenders: the family is declared and has no series.
  EXPECT_EQ(text.find("floodgate_top_offender_requests_per_second{"), std::string::npos) << text;
}

}  // namespace
}  // namespace floodgate::proxy
