#include "shield/token_bucket.h"

#include <gtest/gtest.h>

namespace floodgate::shield {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucket, StartsFullThenRefillsAtRate) {
  ManualClock clock;
  TokenBucket bucket(10, 5);  // 10/s, burst 5
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(clock.now())) << i;
  EXPECT_FALSE(bucket.take(clock.now()));
  EXPECT_EQ(bucket.waitFor(clock.now()), milliseconds(100));
  clock.advance(milliseconds(99));
  EXPECT_FALSE(bucket.take(clock.now()));
  EXPECT_EQ(bucket.waitFor(clock.now()), milliseconds(1));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(bucket.take(clock.now()));
  EXPECT_FALSE(bucket.take(clock.now()));
}

TEST(TokenBucket, NeverHoldsMoreThanBurst) {
  ManualClock clock;
  TokenBucket bucket(100, 3);
  clock.advance(std::chrono::hours(1));
  EXPECT_DOUBLE_EQ(bucket.available(clock.now()), 3.0);
  int taken = 0;
  while (bucket.take(clock.now())) ++taken;
  EXPECT_EQ(taken, 3);
}

TEST(TokenBucket, SustainedRateOverAWindow) {
  ManualClock clock;
  TokenBucket bucket(50, 10);
  int allowed = 0;
  // Offered at 1000/s for 10 s: 50/s × 10 s plus the initial burst get through.
  for (int i = 0; i < 10'000; ++i) {
    allowed += bucket.take(clock.now());
    clock.advance(milliseconds(1));
  }
  EXPECT_NEAR(allowed, 50 * 10 + 10, 1);
}

TEST(TokenBucket, CostsAndImpossibleCosts) {
  ManualClock clock;
  TokenBucket bucket(1, 4);
  EXPECT_TRUE(bucket.take(clock.now(), 3));
  EXPECT_FALSE(bucket.take(clock.now(), 2));
  EXPECT_EQ(bucket.waitFor(clock.now(), 2), std::chrono::seconds(1));
  EXPECT_TRUE(bucket.take(clock.now(), 1));
  EXPECT_EQ(bucket.waitFor(clock.now(), 5), Duration::max());  // more than the burst
  EXPECT_FALSE(bucket.take(clock.now(), 5));
  EXPECT_EQ(bucket.waitFor(clock.now(), 0), Duration::zero());
}

TEST(TokenBucket, DenialsDoNotDrain) {
  // A client hammering a closed bucket must not push its own recovery further away.
  ManualClock clock;
  TokenBucket bucket(1, 1);
  EXPECT_TRUE(bucket.take(clock.now()));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(bucket.take(clock.now()));
  clock.advance(std::chrono::seconds(1));
  EXPECT_TRUE(bucket.take(clock.now()));
}

TEST(TokenBucket, ReconfigureKeepsDrainAndClampsNonsense) {
  ManualClock clock;
  TokenBucket bucket(10, 10);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(bucket.take(clock.now()));
  bucket.configure(20, 10);  // faster refill, still empty
  EXPECT_FALSE(bucket.take(clock.now()));
  // The drain is kept as time (one second at the old rate), so at twice the rate the bucket
  // holds nothing yet after half a second and one token after 550 ms.
  clock.advance(milliseconds(550));
  EXPECT_TRUE(bucket.take(clock.now()));

  TokenBucket odd(-5, 0);
  EXPECT_DOUBLE_EQ(odd.rate(), 1e-3);
  EXPECT_DOUBLE_EQ(odd.burst(), 1.0);
  EXPECT_TRUE(odd.take(clock.now()));
  EXPECT_FALSE(odd.take(clock.now()));
}

TEST(TokenBucket, FractionalRatesAreExact) {
  ManualClock clock;
  // One every 333.33 ms, polled every 10 ms. A burst of 2 leaves room for the part of a token
  // that accrues between polls; with a burst of 1 it would be capped away each time.
  TokenBucket bucket(3, 2);
  int allowed = 0;
  for (int i = 0; i < 3000; ++i) {
    allowed += bucket.take(clock.now());
    clock.advance(milliseconds(10));
  }
  EXPECT_NEAR(allowed, 3 * 30 + 2, 1);
}

}  // namespace
}  // namespace floodgate::shield
