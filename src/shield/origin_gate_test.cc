#include "shield/origin_gate.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace floodgate::shield {
namespace {

TEST(OriginGate, ClassesFillDifferentSharesOfTheLimit) {
  OriginGate gate;
  gate.setLimit(16);
  int suspicious = 0, unknown = 0, known = 0;
  while (gate.tryAcquire(PriorityClass::kSuspicious)) ++suspicious;
  while (gate.tryAcquire(PriorityClass::kUnknown)) ++unknown;
  while (gate.tryAcquire(PriorityClass::kKnownGood)) ++known;
  EXPECT_EQ(suspicious, 8);
  EXPECT_EQ(unknown, 6);  // up to 14 in all
  EXPECT_EQ(known, 2);    // the last slots are theirs
  EXPECT_EQ(gate.inFlight(), 16);
  EXPECT_EQ(OriginGate::capFor(1, PriorityClass::kSuspicious), 1);
}

TEST(OriginGate, SampleCountsWhatCameBack) {
  OriginGate gate;
  gate.setLimit(2);
  ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kKnownGood));
  gate.release(false, milliseconds(4), MonoTime());
  gate.release(true, milliseconds(1), MonoTime());  // a quick 503: no latency of a served one
  LimitSample s = gate.takeSample();
  EXPECT_EQ(s.completed, 2u);
  EXPECT_EQ(s.overloaded, 1u);
  EXPECT_EQ(s.latency_count, 1u);
  EXPECT_DOUBLE_EQ(s.latency_sum_ms, 4);
  EXPECT_EQ(s.peak_in_flight, 2);
  EXPECT_EQ(s.wanted_more, 1u);
  EXPECT_DOUBLE_EQ(s.recent_latency_ms, 4);  // the pace at the tick's end
  EXPECT_EQ(gate.takeSample().completed, 0u);
}

TEST(OriginGate, RefusalsCutAtOnceButNotTooOften) {
  OriginGate gate;
  gate.setLimit(1000);
  gate.setMinLimit(4);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kUnknown));
  MonoTime t0 = MonoTime(seconds(100));
  for (int i = 0; i < 3; ++i) gate.release(true, std::nullopt, t0);  // a stray refusal or three
  EXPECT_EQ(gate.limit(), 1000);
  gate.release(true, std::nullopt, t0);  // the fourth: 37 were in flight
  EXPECT_EQ(gate.limit(), 29);
  for (int i = 0; i < 4; ++i) gate.release(true, std::nullopt, t0 + milliseconds(10));
  EXPECT_EQ(gate.limit(), 29);  // too soon for another cut
  gate.release(false, milliseconds(5), t0 + milliseconds(30));  // a success never cuts
  EXPECT_EQ(gate.limit(), 29);
  gate.release(true, std::nullopt, t0 + milliseconds(30));  // 4 refusals since the cut; 31 in flight
  EXPECT_EQ(gate.limit(), 23);  // min(29, 31) × 4/5
  for (int i = 0; i < 28; ++i) gate.release(true, std::nullopt, t0 + seconds(1 + i));
  EXPECT_EQ(gate.limit(), 4);  // never below the floor
  EXPECT_EQ(gate.inFlight(), 2);
  EXPECT_EQ(gate.takeSample().overloaded, 37u);
}

// A probe one above the origin's slots (the tick's cutFloor 16 at a limit of 17): its refusals
// take the limit back to 16, not to 4/5 of 17 — and no refusal cuts below 16 after that.
TEST(OriginGate, RefusalsCutNoLowerThanTheFloorTheTickSet) {
  OriginGate gate;
  gate.setLimit(17);
  gate.setMinLimit(4);
  gate.setCutFloor(16);
  for (int i = 0; i < 17; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  MonoTime t0 = MonoTime(seconds(100));
  for (int i = 0; i < 4; ++i) gate.release(true, std::nullopt, t0);
  EXPECT_EQ(gate.limit(), 16);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  for (int i = 0; i < 4; ++i) gate.release(true, std::nullopt, t0 + seconds(1));
  EXPECT_EQ(gate.limit(), 16);  // 16 in flight at the fourth refusal: the floor holds
  gate.setCutFloor(4);          // the tick found no ceiling near: 4/5 again
  for (int i = 0; i < 4; ++i) gate.release(true, std::nullopt, t0 + seconds(2));
  EXPECT_EQ(gate.limit(), 7);  // 9 were in flight at the fourth refusal: 9 × 4/5
}

TEST(OriginGate, KnowsWhenAQueueCannotDrainInTime) {
  OriginGate gate;
  gate.setLimit(10);
  EXPECT_TRUE(gate.drainsWithin(100000, milliseconds(500)));  // no normal yet: wait
  gate.setNormalLatency(milliseconds(20));
  // 10 slots, 20 ms each: 500 slots a second, 125 within half of 500 ms.
  EXPECT_TRUE(gate.drainsWithin(124, milliseconds(500)));
  EXPECT_FALSE(gate.drainsWithin(125, milliseconds(500)));
  gate.setLimit(1);
  EXPECT_TRUE(gate.drainsWithin(0, milliseconds(40)));  // one slot, turning over in 20 ms
  EXPECT_FALSE(gate.drainsWithin(0, milliseconds(39)));
}

// Saturated, a queue only keeps a freed slot from idling until the next arrival: what drains
// within 1 ms, the next free slot at least (a newer arrival takes a place: OriginQueue::offer).
TEST(OriginGate, ASaturatedOriginKeepsOnlyTheNextFreeSlotsWaiter) {
  OriginGate gate;
  gate.setLimit(16);
  gate.setNormalLatency(milliseconds(20));  // a slot every 1.25 ms
  EXPECT_TRUE(gate.drainsWithin(31, milliseconds(80)));  // 40 ms: a burst may wait
  EXPECT_FALSE(gate.standing());
  gate.setSaturated(true);
  EXPECT_TRUE(gate.standing());
  EXPECT_TRUE(gate.drainsWithin(0, milliseconds(80)));
  EXPECT_FALSE(gate.drainsWithin(1, milliseconds(80)));
  EXPECT_FALSE(gate.drainsWithin(0, milliseconds(2)));  // never more than half the wait
  gate.setLimit(64);  // a slot every 0.31 ms: three within 1 ms
  EXPECT_TRUE(gate.drainsWithin(2, milliseconds(80)));
  EXPECT_FALSE(gate.drainsWithin(3, milliseconds(80)));
  gate.setLimit(1);
  EXPECT_TRUE(gate.drainsWithin(0, milliseconds(80)));  // the next slot, however slow
  EXPECT_FALSE(gate.drainsWithin(1, milliseconds(80)));
  gate.setSaturated(false);
  EXPECT_TRUE(gate.drainsWithin(1, milliseconds(80)));
}

// The origin slows tenfold between ticks: the queue is judged by what it answers now, not by the
// normal the tick learned before (16 slots at 2 ms would let 200 wait within 25 ms).
TEST(OriginGate, ASlowedOriginIsJudgedByItsRecentLatency) {
  OriginGate gate;
  gate.setLimit(16);
  gate.setNormalLatency(milliseconds(2));
  EXPECT_TRUE(gate.drainsWithin(150, milliseconds(50)));
  MonoTime t0 = MonoTime(seconds(100));
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
    gate.release(false, milliseconds(20), t0);
  }
  EXPECT_FALSE(gate.drainsWithin(150, milliseconds(50)));
  // Past twice the normal: a standing queue before the tick says saturated, the next slot only.
  EXPECT_TRUE(gate.standing());
  EXPECT_TRUE(gate.drainsWithin(0, milliseconds(50)));
  EXPECT_FALSE(gate.drainsWithin(1, milliseconds(50)));
  for (int i = 0; i < 8; ++i) {  // refusals are quick, but say nothing of the slots' turnover
    ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
    gate.release(true, std::chrono::microseconds(300), t0);
  }
  EXPECT_TRUE(gate.standing());
}

TEST(OriginGate, NoClassTakesASlotWhileABetterOneWaitsOnAnyWorker) {
  OriginGate gate;
  gate.setLimit(16);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kUnknown));
  // A known-good request waits on some worker (the gate was full for it a moment ago).
  gate.noteWaiting(PriorityClass::kKnownGood, +1);
  EXPECT_EQ(gate.waitingAtOrAbove(PriorityClass::kKnownGood), 1);
  EXPECT_EQ(gate.waitingAtOrAbove(PriorityClass::kSuspicious), 1);
  // Room under their caps, yet strangers on any worker leave the slots to it...
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kUnknown));
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kSuspicious));
  EXPECT_EQ(gate.takeSample().wanted_more, 2u);  // the limit binds
  // ...while known-good ones (the waiter itself, or its peers) take them.
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  gate.noteWaiting(PriorityClass::kKnownGood, -1);
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kUnknown));
  // An unknown waiter holds back only the suspicious.
  gate.noteWaiting(PriorityClass::kUnknown, +1);
  EXPECT_EQ(gate.waitingAtOrAbove(PriorityClass::kKnownGood), 0);
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kSuspicious));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kUnknown));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood));
  EXPECT_EQ(gate.inFlight(), 14);
}

TEST(OriginGate, KnownGoodKeepsASlotOfEvenTheSmallestLimit) {
  EXPECT_EQ(OriginGate::capFor(4, PriorityClass::kUnknown), 3);
  EXPECT_EQ(OriginGate::capFor(7, PriorityClass::kUnknown), 6);
  EXPECT_EQ(OriginGate::capFor(2, PriorityClass::kUnknown), 1);
  EXPECT_EQ(OriginGate::capFor(1, PriorityClass::kUnknown), 1);  // no limit below one slot
  EXPECT_EQ(OriginGate::capFor(4, PriorityClass::kKnownGood), 4);
}

TEST(OriginGate, WaitsAFewNormalLatenciesNotTheWholeTimeout) {
  OriginGate gate;
  Duration timeout = milliseconds(500);
  // No normal learned yet: the configured wait.
  EXPECT_EQ(gate.waitFor(PriorityClass::kKnownGood, timeout), timeout);
  EXPECT_EQ(gate.waitFor(PriorityClass::kUnknown, timeout), timeout);
  // An origin twenty times slower than usual (40 ms): known-good waits four of those, the
  // others two.
  gate.setNormalLatency(milliseconds(40));
  EXPECT_EQ(gate.waitFor(PriorityClass::kKnownGood, timeout), milliseconds(160));
  EXPECT_EQ(gate.waitFor(PriorityClass::kUnknown, timeout), milliseconds(80));
  EXPECT_EQ(gate.waitFor(PriorityClass::kUnknown, milliseconds(30)), milliseconds(30));
  // A fast origin: never less than the floor, a busy worker's own hiccup.
  gate.setNormalLatency(milliseconds(20));
  EXPECT_EQ(gate.waitFor(PriorityClass::kKnownGood, timeout), milliseconds(80));
  EXPECT_EQ(gate.waitFor(PriorityClass::kUnknown, timeout), OriginGate::kMinWait);
  gate.setNormalLatency(milliseconds(2));
  EXPECT_EQ(gate.waitFor(PriorityClass::kKnownGood, timeout), OriginGate::kMinWait);
  EXPECT_EQ(gate.waitFor(PriorityClass::kSuspicious, timeout), OriginGate::kMinWait);
}

TEST(OriginGate, NeverAdmitsPastTheLimitAcrossThreads) {
  OriginGate gate;
  gate.setLimit(5);
  std::atomic<int> holders{0}, over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (!gate.tryAcquire(PriorityClass::kKnownGood)) continue;
        if (holders.fetch_add(1) + 1 > 5) over.fetch_add(1);
        holders.fetch_sub(1);
        gate.release(false, std::nullopt, MonoTime());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(gate.inFlight(), 0);
  EXPECT_LE(gate.takeSample().peak_in_flight, 5);
}

}  // namespace
}  // namespace floodgate::shield
