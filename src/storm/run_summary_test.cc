#include "storm/run_summary.h"

#include <gtest/gtest.h>

#include "storm/scenario_parser.h"

namespace floodgate::storm {
namespace {

// calm 3 s, attack 3 s, after 4 s; 10 users and a flood.
Scenario scenario() {
  auto s = parseScenarioText(R"(target: http://127.0.0.1:8080
phases:
  - { name: calm, duration: 3s }
  - { name: attack, duration: 3s, attack: true }
  - { name: after, duration: 4s }
clients:
  - { name: users, kind: legit, sources: 127.10.0.0/24, count: 10, rate: 100 }
  - { name: flood, kind: keepalive_flood, sources: 127.66.0.0/24, count: 2, rate: 1000 }
expect:
  - legit_success >= 0.9
  - time_to_mitigate_s <= 1
  - time_to_recover_s <= 1s
  - collateral_users == 1
)",
                             "synthetic.yaml");
  EXPECT_TRUE(s.ok()) << s.error();
  return *s;
}

// One second: legitimate ok/failed with a latency, attack sent and admitted.
SecondRow second(size_t t, uint64_t legit_ok, uint64_t legit_503, uint64_t latency_us,
                 uint64_t attack_sent, std::optional<uint64_t> admitted) {
  SecondRow row;
  row.second = t;
  row.groups.resize(2);
  Counters& l = row.groups[0];
  l[Count::kScheduled] = legit_ok + legit_503;
  l[Count::kSent] = legit_ok + legit_503;
  l[Count::kResponses] = legit_ok + legit_503;
  l[Count::kOk] = legit_ok;
  l[Count::kStatus2xx] = legit_ok;
  l[Count::kStatus5xx] = legit_503;
  l[Count::kStatus503] = legit_503;
  for (uint64_t i = 0; i < legit_ok; ++i) row.legit_latency.record(latency_us);
  Counters& a = row.groups[1];
  a[Count::kScheduled] = a[Count::kSent] = a[Count::kResponses] = a[Count::kOk] = attack_sent;
  row.origin.resize(2);
  row.origin[0] = OriginCounts{legit_ok + legit_503, legit_ok, legit_503, 0};
  if (admitted) row.origin[1] = OriginCounts{*admitted, *admitted, 0, 0};
  return row;
}

RunRecord record(const Scenario& s) {
  RunRecord r;
  r.ranges = sourceRangesOf(s);
  r.origin_asked = true;
  // calm: fine. attack: 2 s let in and hurting, then blocked. after: 1 slow second, then fine.
  r.seconds = {second(0, 100, 0, 2'000, 0, 0),        second(1, 100, 0, 2'000, 0, 0),
               second(2, 100, 0, 2'000, 0, 0),        second(3, 50, 50, 400'000, 1000, 1000),
               second(4, 60, 40, 300'000, 1000, 800), second(5, 100, 0, 3'000, 1000, 10),
               second(6, 100, 0, 90'000, 0, 0),       second(7, 100, 0, 2'000, 0, 0),
               second(8, 100, 0, 2'000, 0, 0),        second(9, 100, 0, 2'000, 0, 0)};
  for (auto& row : r.seconds) row.phase = phaseAt(s, row.second);
  r.group_latency.resize(2);
  r.blocked_users = {1, 0};
  r.origin_total = {OriginCounts{1000, 910, 90, 0}, OriginCounts{1810, 1810, 0, 0}};
  return r;
}

TEST(RunSummary, DerivesEveryFigureFromTheSeries) {
  Scenario s = scenario();
  RunSummary sum = summarize(s, record(s));
  ASSERT_TRUE(sum.legit.success);
  EXPECT_DOUBLE_EQ(*sum.legit.success, 910.0 / 1000.0);
  EXPECT_EQ(sum.legit.totals.errors(), 90u);
  EXPECT_NEAR(sum.legit.latency.p50_ms, 2.0, 0.02);
  EXPECT_GT(sum.legit.latency.p99_ms, 250);
  EXPECT_EQ(sum.attack.totals[Count::kSent], 3000u);
  EXPECT_DOUBLE_EQ(sum.attack_offered_rps, 1000);
  ASSERT_TRUE(sum.attack_admitted);
  EXPECT_EQ(*sum.attack_admitted, 1810u);
  EXPECT_NEAR(*sum.attack_admitted_share, 1810.0 / 3000.0, 1e-12);
  EXPECT_EQ(sum.window.start, 3u);
  EXPECT_EQ(sum.window.end, 6u);
  EXPECT_EQ(sum.time_to_mitigate_s, 2.0);  // under 5% from the third attack second
  ASSERT_TRUE(sum.baseline);
  EXPECT_DOUBLE_EQ(sum.baseline->success, 1.0);
  EXPECT_EQ(sum.time_to_recover_s, 1.0);  // second 6 is slow (90 ms), 7.. are back
  EXPECT_EQ(sum.collateral_users, 1u);
  EXPECT_EQ(sum.legit_users, 10u);
  EXPECT_DOUBLE_EQ(*sum.collateral, 0.1);
  ASSERT_EQ(sum.groups.size(), 2u);
  EXPECT_EQ(sum.groups[1].origin_requests, 1810u);
  EXPECT_DOUBLE_EQ(sum.groups[1].offered_rps, 1000);
  // Expectations: success 91% >= 90%; mitigate 2 > 1; recover 1 <= 1; collateral 1 == 1.
  ASSERT_EQ(sum.expectations.size(), 4u);
  EXPECT_TRUE(sum.expectations[0].held);
  EXPECT_FALSE(sum.expectations[1].held);
  EXPECT_TRUE(sum.expectations[2].held);
  EXPECT_TRUE(sum.expectations[3].held);
  EXPECT_FALSE(sum.passed);
  EXPECT_EQ(sum.figure("legit_requests"), 1000.0);
  EXPECT_EQ(sum.figure("nonsense"), std::nullopt);
}

TEST(RunSummary, WithoutTheOriginNothingIsClaimed) {
  Scenario s = scenario();
  RunRecord r = record(s);
  r.origin_asked = false;
  r.origin_total.clear();
  for (auto& row : r.seconds) row.origin.assign(2, std::nullopt);
  RunSummary sum = summarize(s, r);
  EXPECT_FALSE(sum.attack_admitted);
  EXPECT_FALSE(sum.attack_admitted_share);
  EXPECT_FALSE(sum.time_to_mitigate_s);
  EXPECT_FALSE(sum.expectations[1].held);  // unmeasured never passes
  EXPECT_EQ(sum.time_to_recover_s, 1.0);   // from storm's own view, still known
}

TEST(RunSummary, WarnsWhenTheGeneratorFellBehind) {
  Scenario s = scenario();
  RunRecord r = record(s);
  r.seconds[4].groups[1][Count::kUnsent] = 200;
  RunSummary sum = summarize(s, r);
  ASSERT_EQ(sum.warnings.size(), 1u);
  EXPECT_NE(sum.warnings[0].find("never sent"), std::string::npos);
}

}  // namespace
}  // namespace floodgate::storm
