#include "core/timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace floodgate {
namespace {

MonoTime at(int64_t ms) { return MonoTime(std::chrono::milliseconds(1000 + ms)); }

TEST(TimerWheel, FiresInDeadlineOrderNeverEarly) {
  TimerWheel wheel(at(0));
  std::vector<int> fired;
  Timer a([&] { fired.push_back(1); }), b([&] { fired.push_back(2); }), c([&] { fired.push_back(3); });
  wheel.schedule(&b, at(20));
  wheel.schedule(&a, at(10));
  wheel.schedule(&c, at(30));
  wheel.advance(at(9));
  EXPECT_TRUE(fired.empty());
  wheel.advance(at(20));
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  wheel.advance(at(100));
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(wheel.size(), 0u);
}

// Within the millisecond of its deadline a timer waits for the deadline itself. (A tarpit's hold
// released half a millisecond early found its client's bucket half a millisecond short of a token.)
TEST(TimerWheel, NeverFiresWithinTheMillisecondBeforeItsDeadline) {
  TimerWheel wheel(at(0));
  int fired = 0;
  Timer t([&] { ++fired; });
  const MonoTime deadline = at(10) + std::chrono::microseconds(900);
  wheel.schedule(&t, deadline);
  const MonoTime before = at(10) + std::chrono::microseconds(300);
  wheel.advance(before);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(wheel.millisUntilNext(before), 1);
  wheel.advance(deadline - std::chrono::microseconds(1));
  EXPECT_EQ(fired, 0);
  wheel.advance(at(11));
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, LongTimersWaitForTheirTurn) {
  TimerWheel wheel(at(0));
  int fired = 0;
  Timer t([&] { ++fired; });
  wheel.schedule(&t, at(10'000));  // more than two turns of the wheel
  for (int ms = 0; ms < 9'999; ms += 7) wheel.advance(at(ms));
  EXPECT_EQ(fired, 0);
  EXPECT_GT(wheel.millisUntilNext(at(9'990)), 0);
  wheel.advance(at(10'000));
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CancelAndRescheduleFromCallbacks) {
  TimerWheel wheel(at(0));
  int fired_b = 0, fired_a = 0;
  Timer b([&] { ++fired_b; });
  Timer a([&] {
    ++fired_a;
    wheel.cancel(&b);  // due in the same advance() call, not yet fired
    if (fired_a == 1) wheel.schedule(&a, at(50));  // re-arm itself
  });
  wheel.schedule(&a, at(5));
  wheel.schedule(&b, at(6));
  wheel.advance(at(10));
  EXPECT_EQ(fired_a, 1);
  EXPECT_EQ(fired_b, 0);
  EXPECT_TRUE(a.armed());
  wheel.advance(at(60));
  EXPECT_EQ(fired_a, 2);
  EXPECT_FALSE(a.armed());
}

TEST(TimerWheel, DestroyedTimerUnlinksItself) {
  TimerWheel wheel(at(0));
  {
    Timer t([] { FAIL(); });
    wheel.schedule(&t, at(5));
    EXPECT_EQ(wheel.size(), 1u);
  }
  EXPECT_EQ(wheel.size(), 0u);
  wheel.advance(at(10));
}

TEST(TimerWheel, MillisUntilNext) {
  TimerWheel wheel(at(0));
  EXPECT_EQ(wheel.millisUntilNext(at(0)), -1);
  Timer t([] {});
  wheel.schedule(&t, at(250));
  EXPECT_EQ(wheel.millisUntilNext(at(0)), 250);
  EXPECT_EQ(wheel.millisUntilNext(at(300)), 0);
}

}  // namespace
}  // namespace floodgate
