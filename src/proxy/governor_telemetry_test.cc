#include "proxy/governor_telemetry.h"

#include <gtest/gtest.h>

#include <string>

namespace floodgate::proxy {
namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(GovernorTelemetryTest, RulesByStateMovesAndRollbacksAreReadWhenScraped) {
  telemetry::Registry registry(1);
  governor::Governor g;
  registerGovernorMetrics(&registry, &g);
  std::string text = registry.exposition();
  EXPECT_TRUE(has(text, "floodgate_rules{state=\"enforced\"} 0")) << text;
  EXPECT_TRUE(has(text, "floodgate_governor_rollbacks_total 0")) << text;

  governor::OperatorRule pinned;
  pinned.match.source = shield::IpPrefix::parse("203.0.113.0/24").value();
  pinned.pinned = true;
  ASSERT_TRUE(g.addOperatorRule(pinned, MonoTime{}).ok());
  governor::OperatorRule gated = pinned;
  gated.pinned = false;
  gated.match.source = shield::IpPrefix::parse("198.51.100.0/24").value();
  auto gated_id = g.addOperatorRule(gated, MonoTime{});
  ASSERT_TRUE(gated_id.ok());
  shield::MitigationRule detected;
  detected.match.source = shield::IpPrefix::parse("192.0.2.7/32").value();
  g.propose(detected, 900, MonoTime{});
  EXPECT_TRUE(has(registry.exposition(), "floodgate_rules{state=\"shadow\"} 2"));
  // The kill switch rolls the detector's rule back; the operator's stay where they were.
  ASSERT_EQ(g.setKillSwitch(true, MonoTime{}), 1u);
  text = registry.exposition();
  EXPECT_TRUE(has(text, "floodgate_governor_rollbacks_total 1")) << text;
  EXPECT_TRUE(has(text, "floodgate_governor_transitions_total{to=\"rolled_back\"} 1")) << text;
  EXPECT_TRUE(has(text, "floodgate_rules{state=\"enforced\"} 1")) << text;
  EXPECT_TRUE(has(text, "floodgate_rules{state=\"shadow\"} 1")) << text;
  EXPECT_TRUE(has(text, "floodgate_governor_transitions_total{to=\"enforced\"} 1")) << text;
  EXPECT_TRUE(has(text, "floodgate_governor_transitions_total{to=\"shadow\"} 2")) << text;

  ASSERT_TRUE(g.expire(*gated_id, MonoTime{}).ok());
  text = registry.exposition();
  EXPECT_TRUE(has(text, "floodgate_rules{state=\"shadow\"} 0")) << text;
  EXPECT_TRUE(has(text, "floodgate_governor_transitions_total{to=\"expired\"} 1")) << text;
}

}  // namespace
}  // namespace floodgate::proxy
