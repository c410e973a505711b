#include "shield/tarpit.h"

#include <gtest/gtest.h>

namespace floodgate::shield {
namespace {

constexpr auto kStranger = [] { return false; };
constexpr auto kKnownGood = [] { return true; };

TEST(Tarpit, HoldsOnlyAfterTheConfiguredRunOf429s) {
  ManualClock clock;
  Tarpit t;
  for (int i = 1; i < 4; ++i) {
    EXPECT_FALSE(t.refused(clock.now(), seconds(1), 4, seconds(60), kStranger)) << i;
    EXPECT_FALSE(t.holding(clock.now()));
  }
  EXPECT_TRUE(t.refused(clock.now(), seconds(1), 4, seconds(60), kStranger));
  EXPECT_TRUE(t.holding(clock.now()));
  EXPECT_EQ(t.until(), clock.now() + seconds(1));
  clock.advance(milliseconds(999));
  EXPECT_TRUE(t.holding(clock.now()));
  clock.advance(milliseconds(1));
  EXPECT_FALSE(t.holding(clock.now()));
  // Still in a run: the next 429 holds again at once.
  EXPECT_TRUE(t.refused(clock.now(), seconds(2), 4, seconds(60), kStranger));
  EXPECT_EQ(t.until(), clock.now() + seconds(2));
}

TEST(Tarpit, AnyOtherAnswerBreaksTheRun) {
  ManualClock clock;
  Tarpit t;
  for (int i = 0; i < 3; ++i) t.refused(clock.now(), seconds(1), 4, seconds(60), kStranger);
  t.answered();
  EXPECT_EQ(t.inRow(), 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(t.refused(clock.now(), seconds(1), 4, seconds(60), kStranger)) << i;
  }
  EXPECT_TRUE(t.refused(clock.now(), seconds(1), 4, seconds(60), kStranger));
}

TEST(Tarpit, KnownGoodClientsAreNeverHeld) {
  ManualClock clock;
  Tarpit t;
  int asked = 0;
  auto counted = [&asked] { return ++asked > 0; };
  for (int i = 0; i < 3; ++i) t.refused(clock.now(), seconds(1), 4, seconds(60), counted);
  EXPECT_EQ(asked, 0) << "asked only once the run is long enough";
  EXPECT_FALSE(t.refused(clock.now(), seconds(1), 4, seconds(60), counted));
  EXPECT_EQ(asked, 1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(t.refused(clock.now(), seconds(1), 4, seconds(60), kKnownGood)) << i;
  }
  EXPECT_FALSE(t.holding(clock.now()));
}

TEST(Tarpit, OffWhenAfterIsZero) {
  ManualClock clock;
  Tarpit t;
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(t.refused(clock.now(), seconds(1), 0, seconds(60), kStranger)) << i;
  }
}

TEST(Tarpit, HoldIsBoundedByMaxHold) {
  ManualClock clock;
  Tarpit t;
  // A limit the request can never pass says Retry-After: 3600; the hold stays bounded.
  EXPECT_TRUE(t.refused(clock.now(), seconds(3600), 1, seconds(75), kStranger));
  EXPECT_EQ(t.until(), clock.now() + seconds(75));
  t.release();
  EXPECT_FALSE(t.holding(clock.now()));
}

TEST(Tarpit, TheRunCountSaturatesInsteadOfWrapping) {
  ManualClock clock;
  Tarpit t;
  for (int i = 0; i < 70'000; ++i) t.refused(clock.now(), seconds(1), 0, seconds(60), kStranger);
  EXPECT_EQ(t.inRow(), UINT16_MAX);
  EXPECT_TRUE(t.refused(clock.now(), seconds(1), 8, seconds(60), kStranger));
}

// Sending while held is reported once a hold; after the hold (a client that waited for its
// Retry-After) it is not.
TEST(Tarpit, DefiedOnlyWhileHeldAndOnceAHold) {
  ManualClock clock;
  Tarpit t;
  EXPECT_FALSE(t.defied(clock.now())) << "not held";
  ASSERT_TRUE(t.refused(clock.now(), seconds(1), 1, seconds(60), kStranger));
  clock.advance(milliseconds(10));
  EXPECT_TRUE(t.defied(clock.now()));
  EXPECT_FALSE(t.defied(clock.now())) << "once a hold";
  clock.advance(milliseconds(990));
  EXPECT_FALSE(t.defied(clock.now())) << "the hold is over: this one waited";
  ASSERT_TRUE(t.refused(clock.now(), seconds(1), 1, seconds(60), kStranger));
  EXPECT_TRUE(t.defied(clock.now())) << "a new hold";
  t.release();
  EXPECT_FALSE(t.defied(clock.now()));
}

}  // namespace
}  // namespace floodgate::shield
