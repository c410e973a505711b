#include "storm/derive.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

std::vector<AttackSample> attack(std::initializer_list<std::pair<uint64_t, uint64_t>> rows) {
  std::vector<AttackSample> out;
  for (const auto& [offered, admitted] : rows) out.push_back({offered, admitted});
  return out;
}

TEST(TimeToMitigate, ImmediateWhenNothingGetsThrough) {
  EXPECT_EQ(timeToMitigate(attack({{1000, 0}, {1000, 10}, {1000, 0}})), 0.0);
}

TEST(TimeToMitigate, CountsUntilAdmittedStaysUnderFivePercent) {
  // 100% admitted for 3 s, then 20%, then under 5% for good.
  auto w = attack(
      {{1000, 1000}, {1000, 1000}, {1000, 1000}, {1000, 200}, {1000, 40}, {1000, 10}, {1000, 0}});
  EXPECT_EQ(timeToMitigate(w), 4.0);
}

TEST(TimeToMitigate, ABreakthroughRestartsTheClock) {
  auto w = attack({{1000, 0}, {1000, 0}, {1000, 600}, {1000, 0}, {1000, 0}});
  EXPECT_EQ(timeToMitigate(w), 3.0);
}

TEST(TimeToMitigate, FiveEqualsFivePercentIsNotUnder) {
  EXPECT_EQ(timeToMitigate(attack({{100, 5}, {100, 4}})), 1.0);
}

TEST(TimeToMitigate, NeverWhenTheLastSecondStillLetsItIn) {
  EXPECT_EQ(timeToMitigate(attack({{1000, 0}, {1000, 900}})), std::nullopt);
}

TEST(TimeToMitigate, PulsePausesAreNeutral) {
  auto w = attack({{1000, 900}, {0, 0}, {1000, 10}, {0, 0}, {1000, 0}});
  EXPECT_EQ(timeToMitigate(w), 2.0);
  // A burst let through, then only silence (and a straggler): not shown to be mitigated.
  EXPECT_EQ(timeToMitigate(attack({{1000, 1000}, {1000, 1000}, {3, 0}, {0, 0}})), std::nullopt);
  EXPECT_EQ(timeToMitigate(attack({{0, 0}, {0, 0}})), std::nullopt);
}

TEST(TimeToMitigate, AFloodHeldBackIsStillOn) {
  // A flood of 4,000 due a second whose connections the target stops reading after its first
  // second: 32 a second get out, none in. Those seconds are mitigated, not a pause.
  std::vector<AttackSample> w = {{2200, 900, 4000}, {32, 0, 4000}, {32, 0, 4000}, {1200, 0, 4000}};
  EXPECT_EQ(timeToMitigate(w), 1.0);
  w[2] = {32, 32, 4000};  // all that got out got in: not mitigated
  EXPECT_EQ(timeToMitigate(w), 3.0);
  // Measured by what got out alone, the held seconds would have been pauses.
  EXPECT_EQ(timeToMitigate({{2200, 900}, {32, 0}, {32, 0}, {1200, 0}}), 3.0);
  // Held back entirely (its connections dropped at the SYN): nothing out, nothing in.
  EXPECT_EQ(timeToMitigate({{4000, 1300, 4000}, {0, 0, 4000}, {0, 0, 4000}, {2400, 0, 4000}}),
            1.0);
}

TEST(TimeToMitigate, UnknownWithoutTheOrigin) {
  std::vector<AttackSample> w = {{1000, std::nullopt}, {1000, std::nullopt}};
  EXPECT_EQ(timeToMitigate(w), std::nullopt);
  // A second the origin could not be asked about does not count as mitigated.
  w = {{1000, 0}, {1000, std::nullopt}, {1000, 0}};  // the middle one unknown
  EXPECT_EQ(timeToMitigate(w), 2.0);
}

TEST(TimeToRecover, BackInBandAfterTheAttack) {
  Baseline base{0.999, 10'000};  // 99.9%, p99 10 ms
  BaselineBand band;
  band.p99_slack = milliseconds(5);  // -2 points, 2x + 5 ms -> p99 up to 25 ms
  std::vector<LegitSample> after = {
      {100, 100, 40, 900'000},  // still failing
      {100, 100, 90, 60'000},   // success ok-ish? 90% < 97.9%: no
      {100, 100, 99, 30'000},   // latency 30 ms > 25 ms: no
      {100, 100, 99, 20'000},   // in band
      {100, 100, 100, 12'000},  // in band
  };
  EXPECT_EQ(timeToRecover(after, base, band), 3.0);
}

TEST(TimeToRecover, ZeroWhenNeverHurt) {
  Baseline base{1.0, 5'000};
  BaselineBand band;
  std::vector<LegitSample> after = {{100, 100, 100, 5'000}, {100, 100, 100, 6'000}};
  EXPECT_EQ(timeToRecover(after, base, band), 0.0);
}

TEST(TimeToRecover, ARelapseCounts) {
  Baseline base{1.0, 5'000};
  BaselineBand band;
  std::vector<LegitSample> after = {
      {100, 100, 100, 5'000}, {100, 100, 50, 5'000}, {100, 100, 100, 5'000}};
  EXPECT_EQ(timeToRecover(after, base, band), 2.0);
}

TEST(TimeToRecover, ANoisySecondAfterSettlingDoesNotUndoIt) {
  Baseline base{1.0, 5'000};
  BaselineBand band;  // settle 3 s
  LegitSample in{100, 100, 100, 5'000}, out{100, 100, 50, 5'000};
  EXPECT_EQ(timeToRecover({out, in, in, in, in, out}, base, band), 1.0);
  // Two good seconds are not yet settled when a bad one follows.
  EXPECT_EQ(timeToRecover({out, in, in, out, in, in, in}, base, band), 4.0);
  band.settle = seconds(1);
  EXPECT_EQ(timeToRecover({out, in, in, out, in, in, in}, base, band), 1.0);
}

TEST(TimeToRecover, NeverWhenStillDownAtTheEnd) {
  Baseline base{1.0, 5'000};
  BaselineBand band;
  EXPECT_EQ(timeToRecover({{100, 100, 100, 5'000}, {100, 0, 0, 0}}, base, band), std::nullopt);
  EXPECT_EQ(timeToRecover({}, base, band), std::nullopt);
}

TEST(TimeToRecover, BandIsRelativeToTheBaseline) {
  // A target that always fails 10% is "normal" at 90%.
  Baseline base{0.9, 5'000};
  BaselineBand band;
  EXPECT_EQ(timeToRecover({{100, 100, 89, 5'000}}, base, band), 0.0);
  EXPECT_EQ(timeToRecover({{100, 100, 87, 5'000}}, base, band), std::nullopt);
}

TEST(AttackWindow, FirstRunOfAttackPhases) {
  std::vector<Phase> ps(4);
  Duration at{};
  int secs[] = {10, 20, 5, 10};
  bool attack[] = {false, true, true, false};
  for (int i = 0; i < 4; ++i) {
    ps[i].duration = seconds(secs[i]);
    ps[i].start = at;
    ps[i].attack = attack[i];
    at += ps[i].duration;
  }
  auto w = attackWindowOf(ps);
  EXPECT_EQ(w.start, 10u);
  EXPECT_EQ(w.end, 35u);
  EXPECT_FALSE(attackWindowOf({ps[0], ps[3]}).present());
}

}  // namespace
}  // namespace floodgate::storm
