#include "shield/adaptive_limit.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace floodgate::shield {
namespace {

// A tick of an origin that serves `capacity_rps` with `latency_ms` each and refuses the rest at
// once, under demand that always fills the limit.
LimitSample rateLimitedOrigin(int limit, double capacity_rps, double latency_ms) {
  LimitSample s;
  double offered = limit * 1000.0 / latency_ms;  // every slot busy all second
  double served = std::min(offered, capacity_rps);
  s.completed = static_cast<uint64_t>(offered);
  s.overloaded = static_cast<uint64_t>(offered - served);
  s.latency_count = static_cast<uint64_t>(served);
  s.latency_sum_ms = served * latency_ms;
  s.peak_in_flight = limit;
  s.wanted_more = 100;
  return s;
}

// A tick of an origin that works `workers` requests at a time and queues the rest: latency
// grows with the concurrency past its workers.
LimitSample queueingOrigin(int limit, int workers, double service_ms) {
  LimitSample s;
  double latency = service_ms * std::max(1.0, static_cast<double>(limit) / workers);
  s.completed = static_cast<uint64_t>(limit * 1000.0 / latency);
  s.latency_count = s.completed;
  s.latency_sum_ms = static_cast<double>(s.completed) * latency;
  s.peak_in_flight = limit;
  s.wanted_more = 100;
  return s;
}

TEST(AdaptiveLimit, StartsAtMaxAndHoldsWhileUnused) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 200});
  EXPECT_EQ(limit.limit(), 200);
  LimitSample quiet;
  quiet.completed = quiet.latency_count = 100;
  quiet.latency_sum_ms = 500;
  quiet.peak_in_flight = 3;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limit.update(quiet), AdaptiveLimit::Step::kHold);
  EXPECT_EQ(limit.limit(), 200);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 5);
}

TEST(AdaptiveLimit, FindsARateLimitedOriginsConcurrencyAndKeepsItsRefusalsRare) {
  // 2,000 req/s at 10 ms: 20 in flight is what it serves well.
  AdaptiveLimit limit({.min_limit = 2, .max_limit = 1024});
  uint64_t completed = 0, overloaded = 0;
  for (int tick = 0; tick < 120; ++tick) {
    LimitSample s = rateLimitedOrigin(limit.limit(), 2000, 10);
    if (tick >= 60) {
      completed += s.completed;
      overloaded += s.overloaded;
    }
    limit.update(s);
  }
  EXPECT_GE(limit.limit(), 14);
  EXPECT_LE(limit.limit(), 26);
  EXPECT_LT(static_cast<double>(overloaded) / static_cast<double>(completed), 0.03);
}

TEST(AdaptiveLimit, BacksOffWhenLatencyClimbs) {
  AdaptiveLimit limit({.min_limit = 2, .max_limit = 512});
  // Learn the normal first, at low use (8 in flight, nobody turned away).
  for (int i = 0; i < 5; ++i) {
    LimitSample calm = queueingOrigin(8, 16, 5);
    calm.wanted_more = 0;
    limit.update(calm);
  }
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 5);
  int max_seen_late = 0;
  for (int tick = 0; tick < 120; ++tick) {
    limit.update(queueingOrigin(limit.limit(), 16, 5));
    if (tick >= 60) max_seen_late = std::max(max_seen_late, limit.limit());
  }
  // 16 workers: past ~2.2× them latency doubles; the limit stays where latency stays normal,
  // and the normal does not creep up while the limit binds.
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 5);
  EXPECT_GE(limit.limit(), 8);
  EXPECT_LE(max_seen_late, 40);
}

TEST(AdaptiveLimit, AnOriginSlowerForGoodBecomesTheNewNormalRatherThanAFloor) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  LimitSample calm;  // 1,000 req/s at 2 ms: 2 in flight, nobody turned away
  calm.completed = calm.latency_count = 1000;
  calm.latency_sum_ms = 2000;
  calm.peak_in_flight = 2;
  for (int i = 0; i < 5; ++i) limit.update(calm);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 2);
  // The origin slows tenfold: 16 requests at a time at 20 ms, 800 req/s, the rest refused.
  uint64_t completed = 0, overloaded = 0;
  for (int tick = 0; tick < 40; ++tick) {
    LimitSample s = rateLimitedOrigin(limit.limit(), 800, 20);
    if (tick >= 20) {
      completed += s.completed;
      overloaded += s.overloaded;
    }
    limit.update(s);
  }
  // Not stuck at the floor (4 × 50/s = 200 req/s): near what the slower origin serves, with its
  // refusals rare.
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 20);
  EXPECT_GE(limit.limit(), 12);
  EXPECT_LE(limit.limit(), 24);
  EXPECT_LT(static_cast<double>(overloaded) / static_cast<double>(completed), 0.05);
  // Fast again: the normal comes back down with the first calm ticks.
  for (int i = 0; i < 3; ++i) limit.update(calm);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 2);
}

// An origin slower for good but not short of capacity (every request served, 20 ms instead of
// 2 ms whatever the concurrency): the first latency cut relieves nothing, so the next tick
// takes the slowness as the new normal instead of cutting on toward the floor.
TEST(AdaptiveLimit, ALatencyCutThatRelievesNothingMakesTheSlownessTheNewNormal) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  LimitSample calm;  // 2,000 req/s at 2 ms: 4 in flight, nobody turned away
  calm.completed = calm.latency_count = 2000;
  calm.latency_sum_ms = 4000;
  calm.peak_in_flight = 4;
  for (int i = 0; i < 5; ++i) limit.update(calm);
  auto slowTick = [&limit] {  // as much as the limit lets through, each 20 ms
    LimitSample s;
    int in_flight = std::min(limit.limit(), 40);  // the demand: 2,000 req/s × 20 ms
    s.completed = s.latency_count = static_cast<uint64_t>(in_flight * 50);
    s.latency_sum_ms = static_cast<double>(s.completed) * 20;
    s.peak_in_flight = in_flight;
    s.wanted_more = in_flight < 40 ? 100 : 0;
    return s;
  };
  EXPECT_EQ(limit.update(slowTick()), AdaptiveLimit::Step::kCutLatency);  // 40 → 32
  EXPECT_NE(limit.update(slowTick()), AdaptiveLimit::Step::kCutLatency);  // no relief
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 20);
  for (int i = 0; i < 5; ++i) limit.update(slowTick());
  EXPECT_GE(limit.limit(), 40);  // grown back to the demand within a few ticks
}

TEST(AdaptiveLimit, OverloadCutsToWhatTheOriginServedWhenTheNormalIsKnown) {
  AdaptiveLimit limit({.min_limit = 2, .max_limit = 1024});
  LimitSample calm;
  calm.completed = calm.latency_count = 100;
  calm.latency_sum_ms = 2000;  // 20 ms
  calm.peak_in_flight = 3;
  limit.update(calm);
  LimitSample flooded;  // 600 served, 2,500 refused at once, 40 in flight at the peak
  flooded.completed = 3100;
  flooded.overloaded = 2500;
  flooded.latency_count = 600;
  flooded.latency_sum_ms = 600 * 20.0;
  flooded.peak_in_flight = 40;
  EXPECT_EQ(limit.update(flooded), AdaptiveLimit::Step::kCutOverload);
  EXPECT_EQ(limit.limit(), 12);  // 600/s × 20 ms, not 40 × 0.8
}

TEST(AdaptiveLimit, AdoptsACutMadeBetweenTicks) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 100, .careful_ticks = 2});
  limit.adopt(30);
  EXPECT_EQ(limit.limit(), 30);
  LimitSample busy;
  busy.completed = 100;
  busy.peak_in_flight = 30;
  limit.update(busy);
  EXPECT_EQ(limit.limit(), 31);  // carefully: the cut counts as one
  limit.adopt(1);
  EXPECT_EQ(limit.limit(), 4);
}

TEST(AdaptiveLimit, CutsFromWhatWasInFlightNeverBelowTheFloor) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1000});
  LimitSample s;
  s.completed = 100;
  s.overloaded = 50;
  s.peak_in_flight = 30;
  EXPECT_EQ(limit.update(s), AdaptiveLimit::Step::kCutOverload);
  EXPECT_EQ(limit.limit(), 24);  // 30 × 0.8, not 1000 × 0.8
  for (int i = 0; i < 20; ++i) limit.update(s);
  EXPECT_EQ(limit.limit(), 4);
}

TEST(AdaptiveLimit, GrowsByOneJustAfterACutThenFaster) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1000, .careful_ticks = 3});
  LimitSample bad;
  bad.completed = 100;
  bad.overloaded = 100;
  bad.peak_in_flight = 125;
  limit.update(bad);
  ASSERT_EQ(limit.limit(), 100);
  LimitSample busy;
  busy.completed = 100;
  busy.peak_in_flight = 1000;
  busy.wanted_more = 5;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limit.update(busy), AdaptiveLimit::Step::kGrow);
  EXPECT_EQ(limit.limit(), 103);
  limit.update(busy);
  EXPECT_EQ(limit.limit(), 113);  // + √103
}

TEST(AdaptiveLimit, FewSamplesAreNotJudgedOnLatency) {
  AdaptiveLimit limit({.max_limit = 100, .min_samples = 10});
  LimitSample normal;
  normal.completed = normal.latency_count = 50;
  normal.latency_sum_ms = 50;  // 1 ms
  limit.update(normal);
  LimitSample slow_few;
  slow_few.completed = slow_few.latency_count = 3;
  slow_few.latency_sum_ms = 3000;
  slow_few.peak_in_flight = 3;
  EXPECT_EQ(limit.update(slow_few), AdaptiveLimit::Step::kHold);
  EXPECT_EQ(limit.limit(), 100);
}

TEST(AdaptiveLimit, ReconfigureClampsTheLimit) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1000});
  limit.reconfigure({.min_limit = 4, .max_limit = 50});
  EXPECT_EQ(limit.limit(), 50);
  limit.reconfigure({.min_limit = 80, .max_limit = 100});
  EXPECT_EQ(limit.limit(), 80);
}

}  // namespace
}  // namespace floodgate::shield
