#include "proxy/tick_watchdog.h"

#include <gtest/gtest.h>

namespace floodgate::proxy {
namespace {

TEST(TickWatchdog, SaysOnceWhenTheTickStallsAndOnceWhenItResumes) {
  ManualClock clock;
  TickWatchdog dog(seconds(3), clock.now());
  for (int i = 0; i < 5; ++i) {  // a healthy tick every second
    clock.advance(seconds(1));
    EXPECT_FALSE(dog.tickDone(clock.now()));
    EXPECT_EQ(dog.check(clock.now()), TickWatchdog::Change::kNone);
  }
  clock.advance(seconds(3));
  EXPECT_EQ(dog.check(clock.now()), TickWatchdog::Change::kNone);  // exactly the limit: not yet
  clock.advance(milliseconds(500));
  EXPECT_EQ(dog.check(clock.now()), TickWatchdog::Change::kStalled);
  EXPECT_TRUE(dog.stalled());
  clock.advance(seconds(10));
  EXPECT_EQ(dog.check(clock.now()), TickWatchdog::Change::kNone);  // said once
  EXPECT_EQ(dog.overdue(clock.now()), milliseconds(13500));
  EXPECT_TRUE(dog.tickDone(clock.now()));  // the tick that ends the stall
  EXPECT_FALSE(dog.stalled());
  EXPECT_FALSE(dog.tickDone(clock.now()));
}

}  // namespace
}  // namespace floodgate::proxy
