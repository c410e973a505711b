#include "origin/capacity_model.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace floodgate::origin {
namespace {

int admitMany(CapacityModel* model, int attempts, bool release) {
  int admitted = 0;
  for (int i = 0; i < attempts; ++i) {
    if (model->tryAdmit() == Admission::kAdmitted) {
      ++admitted;
      if (release) model->release();
    }
  }
  return admitted;
}

TEST(CapacityModel, UnlimitedAdmitsEverythingAndCountsInFlight) {
  ManualClock clock;
  CapacityModel model({0, 0}, clock);
  EXPECT_EQ(admitMany(&model, 1000, false), 1000);
  EXPECT_EQ(model.inFlight(), 1000);
  for (int i = 0; i < 1000; ++i) model.release();
  EXPECT_EQ(model.inFlight(), 0);
}

TEST(CapacityModel, BurstIsATenthOfTheRate) {
  ManualClock clock;
  CapacityModel model({100, 0}, clock);
  EXPECT_DOUBLE_EQ(model.burst(), 10);
  EXPECT_EQ(admitMany(&model, 50, true), 10);
  EXPECT_EQ(model.tryAdmit(), Admission::kOverRate);
  EXPECT_EQ(model.inFlight(), 0);  // a refused request holds no slot
}

TEST(CapacityModel, TokensComeBackAtTheRateUpToTheBurst) {
  ManualClock clock;
  CapacityModel model({100, 0}, clock);
  EXPECT_EQ(admitMany(&model, 10, true), 10);
  clock.advance(milliseconds(9));
  EXPECT_EQ(admitMany(&model, 10, true), 0);
  clock.advance(milliseconds(1));
  EXPECT_EQ(admitMany(&model, 10, true), 1);  // one token per 10 ms
  clock.advance(seconds(60));
  EXPECT_EQ(admitMany(&model, 100, true), 10);  // a long quiet period fills only the burst
}

TEST(CapacityModel, SustainedRateMatchesCapacity) {
  ManualClock clock;
  CapacityModel model({200, 0}, clock);
  int admitted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {  // 1000 requests/s offered for 10 s
    admitted += admitMany(&model, 1, true);
    clock.advance(milliseconds(1));
  }
  EXPECT_NEAR(admitted, 200 * 10 + 20, 2);  // the rate, plus the initial burst
}

TEST(CapacityModel, SlowRatesHaveABurstOfOne) {
  ManualClock clock;
  CapacityModel model({0.5, 0}, clock);
  EXPECT_DOUBLE_EQ(model.burst(), 1);
  EXPECT_EQ(admitMany(&model, 5, true), 1);
  clock.advance(milliseconds(1999));
  EXPECT_EQ(admitMany(&model, 5, true), 0);
  clock.advance(milliseconds(1));
  EXPECT_EQ(admitMany(&model, 5, true), 1);
}

TEST(CapacityModel, ConcurrencyCapsRequestsInService) {
  ManualClock clock;
  CapacityModel model({0, 2}, clock);
  EXPECT_EQ(model.tryAdmit(), Admission::kAdmitted);
  EXPECT_EQ(model.tryAdmit(), Admission::kAdmitted);
  EXPECT_EQ(model.tryAdmit(), Admission::kOverConcurrency);
  EXPECT_EQ(model.inFlight(), 2);
  model.release();
  EXPECT_EQ(model.tryAdmit(), Admission::kAdmitted);
  EXPECT_EQ(model.tryAdmit(), Admission::kOverConcurrency);
}

TEST(CapacityModel, FullConcurrencyDoesNotSpendTokens) {
  ManualClock clock;
  CapacityModel model({10, 1}, clock);  // burst 1
  EXPECT_EQ(model.tryAdmit(), Admission::kAdmitted);
  clock.advance(milliseconds(100));  // one token earned
  EXPECT_EQ(model.tryAdmit(), Admission::kOverConcurrency);
  model.release();
  EXPECT_EQ(model.tryAdmit(), Admission::kAdmitted);  // the token was still there
}

TEST(CapacityModel, WorkersShareOneBucket) {
  ManualClock clock;  // frozen: exactly the burst can be admitted, however many threads ask
  CapacityModel model({1000, 0}, clock);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { admitted += admitMany(&model, 10'000, true); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 100);
}

TEST(CapacityModel, ConcurrencyCapHoldsAcrossThreads) {
  ManualClock clock;
  CapacityModel model({0, 8}, clock);
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        if (model.tryAdmit() != Admission::kAdmitted) continue;
        int now = model.inFlight();
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        model.release();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 8);
  EXPECT_EQ(model.inFlight(), 0);
}

}  // namespace
}  // namespace floodgate::origin
