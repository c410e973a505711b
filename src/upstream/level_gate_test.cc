#include "upstream/level_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace floodgate::upstream {
namespace {

using shield::PriorityClass;

TEST(LevelGate, UnlimitedAdmitsEverything) {
  ManualClock clock;
  LevelGate gate;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now()));
  EXPECT_EQ(gate.inFlight(), 10000);
}

TEST(LevelGate, RateIsNeverExceeded) {
  ManualClock clock;
  LevelGate gate(200, 0);
  int admitted = 0;
  // Offered 1000/s for 10 s.
  for (int i = 0; i < 10000; ++i) {
    if (gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now())) {
      ++admitted;
      gate.release();
    }
    clock.advance(milliseconds(1));
  }
  EXPECT_LE(admitted, 200 * 10 + 10);  // the rate plus its 50 ms burst
  EXPECT_GE(admitted, 200 * 10 - 10);
}

TEST(LevelGate, ScaleShrinksTheCapacity) {
  ManualClock clock;
  LevelGate gate(1000, 0);
  int admitted = 0;
  for (int i = 0; i < 10000; ++i) {
    if (gate.tryAcquire(PriorityClass::kKnownGood, 0.25, clock.now())) ++admitted;
    clock.advance(milliseconds(1));  // 10 s
  }
  EXPECT_NEAR(admitted, 2500, 60);
}

TEST(LevelGate, ConcurrencyCapAndRelease) {
  ManualClock clock;
  LevelGate gate(0, 10);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now()));
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now()));
  gate.release();
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now()));
  EXPECT_EQ(gate.inFlight(), 10);
}

TEST(LevelGate, SuspiciousAreRefusedFirstWhenFull) {
  ManualClock clock;
  LevelGate gate(0, 10);
  // 6 in flight: suspicious may use 60% of the level, known-good all of it.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now()));
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kSuspicious, 1, clock.now()));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now()));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now()));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now()));
  EXPECT_FALSE(gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now()));
  EXPECT_TRUE(gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now()));
}

TEST(LevelGate, RateUnderPressureServesKnownGoodFirst) {
  ManualClock clock;
  LevelGate gate(100, 0);
  int good = 0, suspicious = 0;
  // Each millisecond a suspicious then a known-good request: 2000/s offered to 100/s.
  for (int i = 0; i < 10000; ++i) {
    suspicious += gate.tryAcquire(PriorityClass::kSuspicious, 1, clock.now());
    good += gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now());
    clock.advance(milliseconds(1));
  }
  EXPECT_GT(good, 4 * suspicious);
  EXPECT_LE(good + suspicious, 1000 + 10);
}

// Failover onto a small level: regulars (known-good) at 100/s, then a crowd of unknown clients
// at 1200/s against 300/s of capacity. The crowd may use only what the regulars did not ask
// for in the last second, so the regulars keep being served and the level is never overrun.
TEST(LevelGate, ACrowdOfUnknownClientsLeavesTheKnownGoodTheirRate) {
  ManualClock clock;
  LevelGate gate(300, 0);
  int good = 0, good_offered = 0, crowd = 0;
  for (int ms = 0; ms < 7000; ++ms) {
    bool crowding = ms >= 2000;
    if (crowding) {
      // 1.2 requests of the crowd per millisecond.
      for (int k = 0; k < (ms % 5 == 0 ? 2 : 1); ++k) {
        crowd += gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now());
      }
    }
    // The regulars' requests come five at a time (a page and what it loads) every 50 ms.
    for (int k = 0; ms % 50 == 0 && k < 5; ++k) {
      bool ok = gate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now());
      if (crowding) {
        ++good_offered;
        good += ok;
      }
    }
    clock.advance(milliseconds(1));
  }
  EXPECT_GE(good, good_offered * 99 / 100) << good << " of " << good_offered;
  // The crowd gets what is left: about 300 - 110 per second for 5 s.
  EXPECT_GT(crowd, 800);
  EXPECT_LE(good + crowd, 300 * 5 + 30);
}

TEST(LevelGate, WithoutBetterDemandALowerClassGetsTheWholeLevel) {
  ManualClock clock;
  LevelGate gate(300, 0);
  int crowd = 0;
  for (int ms = 0; ms < 5000; ++ms) {
    crowd += gate.tryAcquire(PriorityClass::kUnknown, 1, clock.now());
    clock.advance(milliseconds(1));
  }
  EXPECT_GE(crowd, 300 * 5 * 95 / 100);
  EXPECT_LE(crowd, 300 * 5 + 15);
}

TEST(LevelGate, WorkersRacingNeverPassTheCapacityTogether) {
  ManualClock clock;  // time stands still: only the burst may pass, however many workers ask
  LevelGate rate(1000, 0);   // burst 50
  LevelGate slots(0, 64);
  std::atomic<int> by_rate{0}, by_slots{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        by_rate += rate.tryAcquire(PriorityClass::kKnownGood, 1, clock.now());
        by_slots += slots.tryAcquire(PriorityClass::kKnownGood, 1, clock.now());
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(by_rate.load(), 50);
  EXPECT_EQ(by_slots.load(), 64);
  EXPECT_EQ(slots.inFlight(), 64);
}

}  // namespace
}  // namespace floodgate::upstream
