#include "upstream/retry_budget.h"

#include <gtest/gtest.h>

namespace floodgate::upstream {
namespace {

TEST(RetryBudget, FloorAllowsRetriesWhenQuiet) {
  ManualClock clock;
  RetryBudget budget(10, 1);  // 1/s: 10 per 10 s window
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += budget.tryRetry(clock.now());
  EXPECT_EQ(allowed, 10);
}

TEST(RetryBudget, RetriesStayWithinTheShareOfRequests) {
  ManualClock clock;
  RetryBudget budget(10, 1);
  uint64_t requests = 0, retries = 0;
  // 1000 requests per second for 30 s, each one failing and asking for a retry.
  for (int second = 0; second < 30; ++second) {
    for (int i = 0; i < 1000; ++i) {
      budget.onRequest(clock.now());
      ++requests;
      retries += budget.tryRetry(clock.now());
      clock.advance(milliseconds(1));
    }
  }
  double amplification = static_cast<double>(requests + retries) / static_cast<double>(requests);
  EXPECT_LE(amplification, 1.10);
  EXPECT_GE(amplification, 1.09);  // the budget is used, not starved
}

TEST(RetryBudget, OldRequestsLeaveTheWindow) {
  ManualClock clock;
  RetryBudget budget(50, 0);
  for (int i = 0; i < 100; ++i) budget.onRequest(clock.now());
  EXPECT_TRUE(budget.tryRetry(clock.now()));
  clock.advance(seconds(RetryBudget::kWindowSeconds + 1));
  EXPECT_FALSE(budget.tryRetry(clock.now()));
  EXPECT_EQ(budget.requestsInWindow(), 0u);
}

}  // namespace
}  // namespace floodgate::upstream
