#include "kernel/escalation.h"

#include <gtest/gtest.h>

namespace floodgate::kernel {
namespace {

MonoTime at(int64_t s) { return MonoTime(std::chrono::seconds(1000 + s)); }

shield::IpKey key(const char* text) { return *shield::IpKey::parse(text); }

config::KernelDrop drop() {
  config::KernelDrop c;
  c.escalate_rate = 50;
  c.escalate_after = 3;
  c.defy_after = 3;
  c.penalty = std::chrono::seconds(10);
  c.max_penalty = std::chrono::seconds(30);
  c.forgive_after = std::chrono::seconds(100);
  c.prefix_probation = 0;  // a source's ladder (DefenseLoop's escalationFor)
  return c;
}

bool nobody(const shield::IpKey&) { return false; }

// Ticks once a second from `start` with `source` refused `count` times each tick; returns
// the penalties begun, by tick.
std::vector<Escalation::Penalty> run(Escalation& e, const char* source, uint64_t count,
                                     int64_t start, int ticks,
                                     const Escalation::KnownGood& good = nobody) {
  std::vector<Escalation::Penalty> all;
  for (int i = 0; i < ticks; ++i) {
    for (auto& p : e.tick({{key(source), count}}, 1, at(start + i), good)) all.push_back(p);
  }
  return all;
}

TEST(Escalation, NeedsConsecutiveTicksOverTheRate) {
  Escalation e(drop());
  EXPECT_TRUE(run(e, "10.0.0.1", 60, 0, 2).empty());
  EXPECT_TRUE(e.tick({}, 1, at(2), nobody).empty());  // a quiet tick breaks the streak
  EXPECT_TRUE(run(e, "10.0.0.1", 60, 3, 2).empty());
  EXPECT_TRUE(run(e, "10.0.0.1", 40, 5, 5).empty());  // under the rate: never
  auto begun = run(e, "10.0.0.1", 60, 10, 3);
  ASSERT_EQ(begun.size(), 1u);
  EXPECT_EQ(begun[0].source, key("10.0.0.1"));
  EXPECT_EQ(begun[0].until, at(12) + std::chrono::seconds(10));
  EXPECT_EQ(begun[0].strike, 1);
  EXPECT_DOUBLE_EQ(begun[0].rate, 60);
  EXPECT_EQ(e.active(at(21)).size(), 1u);
  EXPECT_TRUE(e.active(at(22)).empty());
}

TEST(Escalation, RateIsPerSecondOfTheTick) {
  Escalation e(drop());
  std::vector<Escalation::Penalty> begun;
  for (int i = 0; i < 3; ++i) {  // 60 refusals over 2 s: 30/s, under 50
    auto b = e.tick({{key("10.0.0.1"), 60}}, 2, at(2 * i), nobody);
    begun.insert(begun.end(), b.begin(), b.end());
  }
  EXPECT_TRUE(begun.empty());
}

TEST(Escalation, PenaltyDoublesUpToTheCapAndIsForgiven) {
  Escalation e(drop());
  ASSERT_EQ(run(e, "10.0.0.1", 100, 0, 3).size(), 1u);  // until 12
  // While penalised, refusals (stragglers) do not count.
  EXPECT_TRUE(run(e, "10.0.0.1", 100, 3, 5).empty());
  // Back at its first tick over once the penalty ends: a repeat offender needs no streak.
  auto second = run(e, "10.0.0.1", 100, 12, 3);  // 12, 13, 14
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].strike, 2);
  EXPECT_EQ(second[0].until, at(12) + std::chrono::seconds(20));
  EXPECT_TRUE(e.tick({}, 1, at(32), nobody).empty());  // a quiet tick: still a repeat offender
  auto third = run(e, "10.0.0.1", 100, 33, 3);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].until, at(33) + std::chrono::seconds(30));  // capped, not 40
  // Clean for forgive_after past its penalty: starts over at the first penalty.
  EXPECT_TRUE(e.tick({}, 1, at(200), nobody).empty());
  EXPECT_EQ(e.tracked(), 0u);
  auto fresh = run(e, "10.0.0.1", 100, 201, 3);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].strike, 1);
}

TEST(Escalation, NeverAKnownGoodClientNorWhenDisabled) {
  Escalation e(drop());
  auto good = [](const shield::IpKey& k) { return k == key("10.0.0.7"); };
  EXPECT_TRUE(run(e, "10.0.0.7", 1000, 0, 10, good).empty());
  EXPECT_EQ(run(e, "10.0.0.8", 1000, 0, 3, good).size(), 1u);
  config::KernelDrop off = drop();
  off.escalate = false;
  Escalation disabled(off);
  EXPECT_TRUE(run(disabled, "10.0.0.1", 1000, 0, 10).empty());
}

TEST(Escalation, TracksABoundedNumberOfSources) {
  Escalation e(drop());
  std::vector<Escalation::Refusals> many;
  for (uint32_t i = 0; i < Escalation::kMaxTracked + 100; ++i) {
    many.push_back({shield::IpKey::fromV4(0x0a000000u + i), 100});
  }
  (void)e.tick(many, 1, at(0), nobody);
  EXPECT_EQ(e.tracked(), Escalation::kMaxTracked);
  // Defiers of the tarpit too (they are refused only a few times a second).
  Escalation held(drop());
  for (auto& r : many) r = {r.source, 2, at(0) + std::chrono::seconds(1)};
  (void)held.tick(many, 1, at(0), nobody);
  EXPECT_EQ(held.tracked(), Escalation::kMaxTracked);
  (void)held.tick({}, 1, at(1), nobody);  // their holds carry them; nothing new is tracked
  EXPECT_EQ(held.tracked(), Escalation::kMaxTracked);
}

// A tarpitted flood tool draws a few 429s a second per connection, far under escalate_rate; but
// it sends to its held connections before their Retry-After, and that is what escalates it.
TEST(Escalation, ASourceDefyingItsTarpitHoldsIsEscalatedThoughItsRateIsLow) {
  Escalation e(drop());
  std::vector<Escalation::Penalty> begun;
  for (int i = 0; i < 3; ++i) {
    auto b = e.tick({{key("10.0.0.1"), 4, at(i) + milliseconds(900)}}, 1, at(i), nobody);
    begun.insert(begun.end(), b.begin(), b.end());
    EXPECT_EQ(b.empty(), i < 2) << i;
  }
  ASSERT_EQ(begun.size(), 1u);
  EXPECT_TRUE(begun[0].defied);
  EXPECT_DOUBLE_EQ(begun[0].rate, 4);
  EXPECT_EQ(begun[0].until, at(2) + std::chrono::seconds(10));
  EXPECT_EQ(begun[0].ticks, 3);
  ASSERT_EQ(e.active(at(3)).size(), 1u);
  EXPECT_TRUE(e.active(at(3))[0].defied);
  // The same 429s without a defied hold: a client that waits out its Retry-After. Never.
  Escalation polite(drop());
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(polite.tick({{key("10.0.0.2"), 4}}, 1, at(i), nobody).empty());
}

// Defying holds is judged sooner than a rate: defy_after ticks in a row, where the same source
// refused over the rate without defying anything needs escalate_after.
TEST(Escalation, DefyingHoldsEscalatesAfterDefyAfterTicks) {
  config::KernelDrop c = drop();
  c.escalate_after = 10;
  c.defy_after = 2;
  Escalation defiant(c), fast(c);
  for (int i = 0; i < 10; ++i) {
    auto d = defiant.tick({{key("10.0.0.1"), 4, at(i) + milliseconds(900)}}, 1, at(i), nobody);
    EXPECT_EQ(d.size(), i == 1 ? 1u : 0u) << i;
    auto f = fast.tick({{key("10.0.0.2"), 100}}, 1, at(i), nobody);
    EXPECT_EQ(f.size(), i == 9 ? 1u : 0u) << i;
  }
  // One hold defied once is no pattern, however long the hold runs: a client's slip, or what
  // escalate_after judges. A 5 s hold defied at 20 runs into five ticks and never escalates.
  Escalation slip(c);
  EXPECT_TRUE(slip.tick({{key("10.0.0.3"), 1, at(20) + seconds(5)}}, 1, at(20), nobody).empty());
  for (int i = 21; i < 30; ++i) EXPECT_TRUE(slip.tick({}, 1, at(i), nobody).empty()) << i;
  // The second hold defied: two ticks of defiance in a row with two holds.
  Escalation twice(c);
  EXPECT_TRUE(twice.tick({{key("10.0.0.4"), 1, at(0) + seconds(3)}}, 1, at(0), nobody).empty());
  EXPECT_TRUE(twice.tick({}, 1, at(1), nobody).empty());  // runs into it: one hold so far
  auto t = twice.tick({{key("10.0.0.4"), 1, at(2) + seconds(5)}}, 1, at(2), nobody);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].ticks, 3);
}

// A hold of several seconds (a long Retry-After) is defied once, at its start; the source stays
// over in every tick the hold runs into, and only those.
TEST(Escalation, ADefiedHoldCountsInEveryTickItRunsInto) {
  Escalation e(drop());
  EXPECT_TRUE(e.tick({{key("10.0.0.1"), 1, at(0) + milliseconds(1500)}}, 1, at(0), nobody).empty());
  EXPECT_TRUE(e.tick({}, 1, at(1), nobody).empty());  // the hold runs on to 1.5
  auto begun = e.tick({}, 1, at(2), nobody);          // ...into (1, 2]: the third tick over
  ASSERT_EQ(begun.size(), 1u);
  EXPECT_TRUE(begun[0].defied);
  // Once the hold is over the streak ends: a second source's 0.5 s hold, defied in the tick
  // at 20, counts at 20 and 21 and not at 22.
  EXPECT_TRUE(
      e.tick({{key("10.0.0.3"), 1, at(20) + milliseconds(500)}}, 1, at(20), nobody).empty());
  EXPECT_TRUE(e.tick({}, 1, at(21), nobody).empty());
  EXPECT_TRUE(e.tick({}, 1, at(22), nobody).empty());
  EXPECT_TRUE(
      e.tick({{key("10.0.0.3"), 1, at(23) + milliseconds(500)}}, 1, at(23), nobody).empty());
  EXPECT_TRUE(e.tick({}, 1, at(24), nobody).empty());  // 23 and 24: two in a row, not three
}

TEST(Escalation, ADefiantKnownGoodClientIsNeverEscalated) {
  // The tarpit never holds a known-good client, so it cannot defy a hold; should one become
  // known-good while held, escalation still spares it.
  Escalation e(drop());
  auto good = [](const shield::IpKey& k) { return k == key("10.0.0.7"); };
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(
        e.tick({{key("10.0.0.7"), 3, at(i) + std::chrono::seconds(5)}}, 1, at(i), good).empty());
  }
  EXPECT_TRUE(e.active(at(10)).empty());
}

// A network's ladder: after each penalty a probation as long, in which a tick over an eighth of
// the rate (what one source in eight makes of the flood) puts it back at once, and a tick in
// which it is served lets it go.
TEST(Escalation, APenaltyIsFollowedByAProbationAsLong) {
  config::KernelDrop c = drop();
  c.prefix_probation = 8;
  Escalation e(c);
  ASSERT_EQ(run(e, "10.0.5.0", 100, 0, 3).size(), 1u);  // at 2, until 12
  EXPECT_TRUE(e.probation(at(11)).empty());           // the penalty itself
  ASSERT_EQ(e.probation(at(12)).size(), 1u);
  EXPECT_EQ(e.probation(at(12))[0].until, at(22));
  EXPECT_EQ(e.probation(at(12))[0].strike, 1);
  EXPECT_TRUE(e.active(at(12)).empty());
  // 7 a second: under the 50 that took it there, over the 6.25 that probation asks.
  auto again = run(e, "10.0.5.0", 7, 12, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].strike, 2);
  EXPECT_EQ(again[0].until, at(32));
  EXPECT_TRUE(e.probation(at(31)).empty());
  ASSERT_EQ(e.probation(at(32)).size(), 1u);
  EXPECT_EQ(e.probation(at(32))[0].until, at(52));
  // 6 a second: under it; served in the next tick: let go, and a release is no penalty.
  EXPECT_TRUE(run(e, "10.0.5.0", 6, 32, 1).empty());
  EXPECT_FALSE(e.release(key("10.0.9.0"), at(33)));  // never on probation
  EXPECT_TRUE(e.release(key("10.0.5.0"), at(33)));
  EXPECT_TRUE(e.probation(at(33)).empty());
  EXPECT_FALSE(e.release(key("10.0.5.0"), at(34)));
  EXPECT_TRUE(run(e, "10.0.5.0", 7, 34, 1).empty());  // the full rate again, from here
  EXPECT_EQ(run(e, "10.0.5.0", 50, 35, 1).size(), 1u);  // still a repeat offender: at once
}

TEST(Escalation, NoProbationWhenItIsOff) {
  Escalation e(drop());  // prefix_probation 0, as for sources
  ASSERT_EQ(run(e, "10.0.0.1", 100, 0, 3).size(), 1u);
  EXPECT_TRUE(e.probation(at(12)).empty());
  EXPECT_TRUE(run(e, "10.0.0.1", 7, 12, 1).empty());
  EXPECT_FALSE(e.release(key("10.0.0.1"), at(13)));
}

}  // namespace
}  // namespace floodgate::kernel
