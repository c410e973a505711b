#include "shield/adaptive_limit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace floodgate::shield {
namespace {

// `served` exchanges served in a tick, each `latency_ms`.
LimitSample exchanges(uint64_t served, double latency_ms) {
  LimitSample s;
  s.completed = s.latency_count = served;
  s.latency_sum_ms = static_cast<double>(served) * latency_ms;
  return s;
}

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

// Ticks of the queueing origin (16 workers at 5 ms) at 8 in flight, nobody turned away: the
// normal, 5 ms, learned at low use.
void learnQueueingNormal(AdaptiveLimit& limit, int ticks) {
  LimitSample calm = queueingOrigin(8, 16, 5);
  calm.wanted_more = 0;
  for (int i = 0; i < ticks; ++i) limit.update(calm);
}

// A tick of an origin with `slots` requests in service at a time, each `latency_ms`, that
// refuses at once what finds them all taken (`floodgate origin --concurrency`), under `demand`
// requests/s: a freed slot beyond the origin's goes to a waiting request, which is refused.
LimitSample slottedOrigin(int limit, int slots, double latency_ms, double demand) {
  LimitSample s;
  double wanted_in_flight = demand * latency_ms / 1000.0;
  double in_flight = std::min(static_cast<double>(limit), wanted_in_flight);
  double served = std::min(in_flight, static_cast<double>(slots)) * 1000.0 / latency_ms;
  double refused = in_flight > slots ? demand - served : 0;
  s.completed = static_cast<uint64_t>(served + refused);
  s.overloaded = static_cast<uint64_t>(refused);
  s.latency_count = static_cast<uint64_t>(served);
  s.latency_sum_ms = static_cast<double>(s.latency_count) * latency_ms;
  s.peak_in_flight = static_cast<int>(std::ceil(in_flight));
  s.wanted_more = wanted_in_flight > limit ? static_cast<uint64_t>(demand - served) : 0;
  return s;
}

// Drives `limit` through `ticks` ticks of `origin` (a function of the limit) and returns the
// lowest and highest limit it set, and the share of exchanges refused, over the last `judged`.
struct Span {
  int low = 1 << 30, high = 0;
  uint64_t completed = 0, overloaded = 0;
  double refusedShare() const {
    return completed ? static_cast<double>(overloaded) / static_cast<double>(completed) : 0;
  }
};
template <typename Origin>
Span drive(AdaptiveLimit& limit, int ticks, int judged, Origin origin) {
  Span r;
  for (int tick = 0; tick < ticks; ++tick) {
    LimitSample s = origin(limit.limit());
    limit.update(s);
    if (tick >= ticks - judged) {
      r.low = std::min(r.low, limit.limit());
      r.high = std::max(r.high, limit.limit());
      r.completed += s.completed;
      r.overloaded += s.overloaded;
    }
  }
  return r;
}

// A burst that finds the limit full for a moment is not saturation: the limit was not filled
// all tick, so a queue toward the origin still drains.
TEST(AdaptiveLimit, ABurstIsNotSaturation) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 16});
  LimitSample burst;  // 2,000 exchanges at 2 ms: 4 in flight on average, 16 at the peak
  burst.completed = burst.latency_count = 2000;
  burst.latency_sum_ms = 4000;
  burst.peak_in_flight = 16;
  burst.wanted_more = 300;
  limit.update(burst);
  EXPECT_FALSE(limit.saturated());
  LimitSample full = burst;  // the same peak, 15.5 in flight on average
  full.latency_sum_ms = 15500;
  limit.update(full);
  EXPECT_TRUE(limit.saturated());
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

// A flash crowd (known-good or not: the limit does not tell them apart) onto an origin that
// serves 2,000 req/s at 10 ms: the first overloaded tick cuts straight to the 20 it served, the
// next is clean, and it holds there with a probe of 21 now and then.
TEST(AdaptiveLimit, AFlashCrowdComesDownToWhatTheOriginServesInOneTick) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  LimitSample calm;  // 500 req/s at 10 ms: 5 in flight
  calm.completed = calm.latency_count = 500;
  calm.latency_sum_ms = 5000;
  calm.peak_in_flight = 6;
  for (int i = 0; i < 5; ++i) limit.update(calm);
  EXPECT_EQ(limit.update(rateLimitedOrigin(limit.limit(), 2000, 10)),
            AdaptiveLimit::Step::kCutOverload);
  EXPECT_EQ(limit.limit(), 20);
  EXPECT_EQ(rateLimitedOrigin(limit.limit(), 2000, 10).overloaded, 0u);
  Span crowd = drive(limit, 60, 60, [](int l) { return rateLimitedOrigin(l, 2000, 10); });
  EXPECT_EQ(crowd.low, 20);
  EXPECT_EQ(crowd.high, 21);
  EXPECT_LT(crowd.refusedShare(), 0.01);
}

// A storm's first second: 500 users open at once, 34 in flight for a moment against 16 slots,
// 21 refused, then 2-3 in flight on average. The refusals say the limit is too high; the
// average does not say where the slots end, so the cut is the usual fraction, not to 3.
TEST(AdaptiveLimit, ABurstsRefusalsCutByAFractionNotToTheTicksAverage) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  limit.adopt(24);  // the gate's fast cuts, at up to 34 in flight
  LimitSample start;
  start.completed = 1000;
  start.overloaded = 21;
  start.latency_count = 979;
  start.latency_sum_ms = 979 * 2.7;
  start.peak_in_flight = 34;
  EXPECT_EQ(limit.update(start), AdaptiveLimit::Step::kCutOverload);
  EXPECT_EQ(limit.limit(), 19);  // 24 × 0.8
}

TEST(AdaptiveLimit, BacksOffWhenLatencyClimbs) {
  AdaptiveLimit limit({.min_limit = 2, .max_limit = 512});
  // Learn the normal first, at low use (8 in flight, nobody turned away).
  learnQueueingNormal(limit, 5);
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
  EXPECT_GE(limit.limit(), 40);  // the cut undone at once
  for (int i = 0; i < 5; ++i) limit.update(slowTick());
  EXPECT_GE(limit.limit(), 40);  // grown back to the demand within a few ticks
}

// examples/storms/origin-slowdown.yaml: 1,000 req/s through an origin of 16 slots that slows
// from 2 ms to 20 ms (800 req/s at most). The limit comes to the 16 slots within a few ticks and
// stays there — not sawing between 13 and 17 as a 4/5 cut and a +1 growth did — probing 17 now
// and then, so refusals stay rare.
TEST(AdaptiveLimit, SettlesAtTheSlotsOfAnOriginThatRefusesBeyondThem) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  drive(limit, 10, 0, [](int l) { return slottedOrigin(l, 16, 2, 1000); });
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 2);
  Span settling = drive(limit, 8, 8, [](int l) { return slottedOrigin(l, 16, 20, 1000); });
  EXPECT_GE(settling.low, 12);  // not down to the floor while the normal was stale
  Span slow = drive(limit, 60, 52, [](int l) { return slottedOrigin(l, 16, 20, 1000); });
  EXPECT_EQ(slow.low, 16);
  EXPECT_EQ(slow.high, 17);  // the probes
  EXPECT_LT(slow.refusedShare(), 0.02);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 20);
  EXPECT_EQ(limit.ceiling(), 17);
  EXPECT_EQ(limit.cutFloor(), 16);  // a refused probe comes back to 16 in the gate too
  EXPECT_TRUE(limit.saturated());   // 1,000 req/s wanted, 800 served: a queue would only stand
}

// examples/storms/origin-slowdown.yaml as logged: the storm's opening burst left the limit at 14
// (a ceiling of 18), and the origin slows from 2 ms to 20 ms within a tick. That tick is part
// fast, part slow (a mean of 7 ms against a normal of 2), and the origin served fewer exchanges
// while holding more of them: it slowed by itself. A latency cut (14 → 11, undone the tick after)
// cost the slowdown's first seconds a fifth of what the origin serves; instead the pace at the
// tick's end is the new normal, and the limit is at the 16 slots from the next tick on.
AdaptiveLimit afterTheOpeningBurst() {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  limit.adopt(13);  // the gate's fast cuts in the opening burst
  LimitSample opening = exchanges(999, 2.5);  // 4 refused at up to 18 in flight
  opening.completed += 4;
  opening.overloaded = 4;
  opening.peak_in_flight = 18;
  opening.wanted_more = 11;
  limit.update(opening);
  drive(limit, 8, 0, [](int l) { return slottedOrigin(l, 16, 2, 1000); });
  return limit;
}

// A tick at the limit, `served` of the 1,000 wanted served at a mean of `mean_ms`, the origin
// answering at `recent_ms` by its end.
LimitSample bindingTick(const AdaptiveLimit& limit, uint64_t served, double mean_ms,
                        double recent_ms) {
  LimitSample s = exchanges(served, mean_ms);
  s.peak_in_flight = limit.limit();
  s.wanted_more = 1308;
  s.recent_latency_ms = recent_ms;
  return s;
}

TEST(AdaptiveLimit, TheFirstSlowTickOfASlowdownDoesNotCutBelowWhatTheOriginServes) {
  AdaptiveLimit limit = afterTheOpeningBurst();
  ASSERT_EQ(limit.limit(), 14);  // 2 in flight: nothing asked for more
  ASSERT_EQ(limit.ceiling(), 18);
  EXPECT_NE(limit.update(bindingTick(limit, 882, 7.0, 20.2)), AdaptiveLimit::Step::kCutLatency);
  EXPECT_GE(limit.limit(), 14);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 20.2);
  EXPECT_TRUE(limit.saturated());  // a queue toward it would only stand from here
  Span slow = drive(limit, 20, 20, [](int l) { return slottedOrigin(l, 16, 20, 1000); });
  EXPECT_EQ(slow.low, 16);
  EXPECT_EQ(slow.high, 17);  // a probe
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 20.2);
}

// The same slow tick, but the origin served as many as the tick before (a crowd that queues in
// it), or the limit was raised into it: the latency is queueing a cut relieves, so it is cut.
TEST(AdaptiveLimit, ASlowTickServingAsManyOrRightAfterGrowthIsStillCut) {
  AdaptiveLimit crowd = afterTheOpeningBurst();
  EXPECT_EQ(crowd.update(bindingTick(crowd, 1000, 7.0, 20)), AdaptiveLimit::Step::kCutLatency);
  EXPECT_EQ(crowd.limit(), 11);
  EXPECT_NEAR(crowd.normalLatencyMs(), 2, 0.01);

  AdaptiveLimit grown = afterTheOpeningBurst();
  ASSERT_EQ(grown.update(bindingTick(grown, 1000, 2.0, 2.0)), AdaptiveLimit::Step::kGrow);
  EXPECT_EQ(grown.update(bindingTick(grown, 882, 7.0, 20)), AdaptiveLimit::Step::kCutLatency);
}

// Slots and a latency that grows with the queue beyond them, no refusals: the limit is trimmed
// to what the origin served at its normal latency and holds within a few of its slots.
TEST(AdaptiveLimit, SettlesNearTheSlotsOfAnOriginThatQueuesBeyondThem) {
  AdaptiveLimit limit({.min_limit = 2, .max_limit = 512});
  learnQueueingNormal(limit, 5);
  Span run = drive(limit, 120, 80, [](int l) { return queueingOrigin(l, 16, 5); });
  EXPECT_GE(run.low, 16);
  EXPECT_LE(run.high, 20);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 5);
}

// Settled at 16 slots, the origin gets twice as many (or speeds back up from the slowdown): the
// next probe passes and the limit climbs to the new slots, then settles there.
TEST(AdaptiveLimit, ClimbsAgainWhenTheOriginTakesMore) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  drive(limit, 10, 0, [](int l) { return slottedOrigin(l, 16, 2, 1000); });
  drive(limit, 40, 0, [](int l) { return slottedOrigin(l, 16, 20, 1000); });
  ASSERT_EQ(limit.limit(), 16);
  Span wider = drive(limit, 60, 20, [](int l) { return slottedOrigin(l, 32, 20, 2000); });
  EXPECT_GE(wider.low, 31);
  EXPECT_LE(wider.high, 33);
  // A probe every 11 ticks; here it is refused for a whole tick (the gate's fast cut ends it
  // after a few refusals).
  EXPECT_LT(wider.refusedShare(), 0.03);
  // Queueing instead of refusing: the same climb.
  AdaptiveLimit queued({.min_limit = 2, .max_limit = 512});
  learnQueueingNormal(queued, 1);
  drive(queued, 120, 0, [](int l) { return queueingOrigin(l, 16, 5); });
  ASSERT_LE(queued.limit(), 20);
  Span more = drive(queued, 80, 20, [](int l) { return queueingOrigin(l, 32, 5); });
  EXPECT_GE(more.low, 32);
  EXPECT_LE(more.high, 38);
}

// The slowdown ends: 2 ms again, demand below the 16 slots. Latency is normal at once, the
// normal is learned back and nothing is refused; a later flash crowd finds the 16 held.
TEST(AdaptiveLimit, AnOriginFastAgainIsServedInFull) {
  AdaptiveLimit limit({.min_limit = 4, .max_limit = 1024});
  drive(limit, 10, 0, [](int l) { return slottedOrigin(l, 16, 2, 1000); });
  drive(limit, 30, 0, [](int l) { return slottedOrigin(l, 16, 20, 1000); });
  Span fast = drive(limit, 10, 10, [](int l) { return slottedOrigin(l, 16, 2, 1000); });
  EXPECT_EQ(fast.overloaded, 0u);
  EXPECT_DOUBLE_EQ(limit.normalLatencyMs(), 2);
  EXPECT_FALSE(limit.saturated());
  Span crowd = drive(limit, 30, 25, [](int l) { return slottedOrigin(l, 16, 2, 20000); });
  EXPECT_EQ(crowd.low, 16);
  EXPECT_LE(crowd.high, 17);
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
  limit.adopt(24);  // refusals at 30 in flight: 30 × 4/5
  EXPECT_EQ(limit.limit(), 24);
  LimitSample busy;
  busy.completed = 100;
  busy.peak_in_flight = 30;
  limit.update(busy);
  EXPECT_EQ(limit.limit(), 25);  // carefully: the cut counts as one
  EXPECT_EQ(limit.ceiling(), 30);  // where the gate cut, as far as the tick's peak tells
  for (int i = 0; i < 8; ++i) limit.update(busy);
  EXPECT_EQ(limit.limit(), 29);  // one below it, until a probe
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
