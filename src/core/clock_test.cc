#include "core/clock.h"

#include <gtest/gtest.h>

namespace floodgate {
namespace {

TEST(TicksIn, CountsTheTicksThatCoverASpanRoundingUp) {
  EXPECT_EQ(ticksIn(seconds(10), milliseconds(500)), 20u);
  EXPECT_EQ(ticksIn(seconds(1), milliseconds(300)), 4u);  // 3.33: four ticks to cover it
  EXPECT_EQ(ticksIn(seconds(5), seconds(1)), 5u);
  EXPECT_EQ(ticksIn(Duration::zero(), milliseconds(500)), 0u);
}

TEST(TicksIn, ATickUnderAMillisecondCountsAsOne) {
  EXPECT_EQ(ticksIn(seconds(1), Duration::zero()), 1000u);
  EXPECT_EQ(ticksIn(seconds(1), std::chrono::microseconds(10)), 1000u);
}

}  // namespace
}  // namespace floodgate
