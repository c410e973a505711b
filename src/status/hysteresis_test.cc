#include "status/hysteresis.h"

#include <gtest/gtest.h>

namespace floodgate::status {
namespace {

constexpr auto kOk = ComponentStatus::kOperational;
constexpr auto kDegraded = ComponentStatus::kDegradedPerformance;
constexpr auto kPartial = ComponentStatus::kPartialOutage;
constexpr auto kMajor = ComponentStatus::kMajorOutage;

TEST(Hysteresis, WorseOnlyAfterConsecutiveBadSeconds) {
  Hysteresis h(3, 5);
  EXPECT_EQ(h.feed(kMajor), kOk);
  EXPECT_EQ(h.feed(kMajor), kOk);
  EXPECT_EQ(h.feed(kOk), kOk);  // the streak is broken
  EXPECT_EQ(h.feed(kMajor), kOk);
  EXPECT_EQ(h.feed(kMajor), kOk);
  EXPECT_EQ(h.feed(kMajor), kMajor);
}

TEST(Hysteresis, MovesOnlyAsFarAsTheWholeStreakAgrees) {
  Hysteresis h(3, 5);
  h.feed(kMajor);
  h.feed(kPartial);
  EXPECT_EQ(h.feed(kMajor), kPartial);
}

TEST(Hysteresis, BetterOnlyAfterConsecutiveGoodSeconds) {
  Hysteresis h(1, 3, kMajor);
  EXPECT_EQ(h.feed(kOk), kMajor);
  EXPECT_EQ(h.feed(kOk), kMajor);
  EXPECT_EQ(h.feed(kMajor), kMajor);  // one bad second restarts the count
  EXPECT_EQ(h.feed(kOk), kMajor);
  EXPECT_EQ(h.feed(kDegraded), kMajor);
  EXPECT_EQ(h.feed(kOk), kDegraded);  // the worst reading of the streak
  h.feed(kOk);
  h.feed(kOk);
  EXPECT_EQ(h.feed(kOk), kOk);
}

TEST(Hysteresis, AlternatingReadingsDoNotFlicker) {
  Hysteresis h(2, 2);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(h.feed(i % 2 ? kMajor : kOk), kOk) << i;
  }
}

}  // namespace
}  // namespace floodgate::status
