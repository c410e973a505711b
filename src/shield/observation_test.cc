#include "shield/observation.h"

#include <gtest/gtest.h>

#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

IpKey v4(uint32_t a) { return IpKey::fromV4(a); }

TEST(LatencyHistogram, QuantilesAreUpperBoundsWithinABucket) {
  LatencyHistogram h;
  EXPECT_EQ(h.quantileMicros(0.99), 0u);
  for (int i = 0; i < 990; ++i) h.record(milliseconds(10));
  for (int i = 0; i < 10; ++i) h.record(milliseconds(500));
  uint64_t p50 = h.quantileMicros(0.5), p99 = h.quantileMicros(0.99), p999 = h.quantileMicros(1);
  EXPECT_GE(p50, 10'000u);
  EXPECT_LE(p50, 12'500u);
  EXPECT_GE(p99, 10'000u);
  EXPECT_LE(p99, 12'500u);
  EXPECT_GE(p999, 500'000u);
  EXPECT_LE(p999, 625'000u);
  for (uint64_t us : {0ull, 1ull, 3ull, 4ull, 5ull, 7ull, 8ull, 1000ull, 123456ull}) {
    int b = LatencyHistogram::bucketOf(us);
    EXPECT_GT(LatencyHistogram::upperEdge(b), us) << us;
    if (b > 0) {
      EXPECT_LE(LatencyHistogram::upperEdge(b - 1), us) << us;
    }
  }
}

TEST(DistinctCount, EstimatesWithinAFewPercent) {
  for (uint64_t n : {10ull, 200ull, 20'000ull, 1'000'000ull}) {
    DistinctCount d;
    for (uint64_t i = 0; i < n; ++i) d.add(mix64(i + 1));
    EXPECT_NEAR(d.estimate(), static_cast<double>(n), 0.1 * static_cast<double>(n) + 1) << n;
  }
}

TEST(WorkerObservation, CountsRoutesStatusesAndHitters) {
  WorkerObservation obs;
  for (int i = 0; i < 100; ++i) obs.recordRequest(v4(0x0a000001), 7, 3, true);
  for (int i = 0; i < 10; ++i) obs.recordRequest(v4(0x0a000100 + i), 9, 200);
  EXPECT_EQ(obs.totalRequests(), 110u);
  EXPECT_EQ(obs.knownGoodRequests(), 100u);
  EXPECT_EQ(obs.routeRequests(3), 100u);
  EXPECT_EQ(obs.routeKnownGoodRequests(3), 100u);
  EXPECT_EQ(obs.otherRouteRequests(), 10u);
  auto top = obs.sources().top(1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].payload, v4(0x0a000001));
  EXPECT_EQ(top[0].count, 100u);
  auto prefixes = obs.prefixes().top(2);
  ASSERT_EQ(prefixes.size(), 2u);
  EXPECT_EQ(prefixes[0].payload.toString(), "10.0.0.0/24");
  EXPECT_EQ(prefixes[1].payload.toString(), "10.0.1.0/24");
  EXPECT_EQ(obs.fingerprints().top(1)[0].key, 7u);
  EXPECT_EQ(obs.fingerprints().top(1)[0].payload, 3u);
  EXPECT_NEAR(obs.distinctSources(), 11, 1);

  obs.recordResponse(v4(1), 200, milliseconds(5), true);
  obs.recordResponse(v4(1), 302, milliseconds(5), true);
  obs.recordResponse(v4(1), 404, milliseconds(5), true);
  obs.recordResponse(v4(1), 500, milliseconds(5), true);
  obs.recordResponse(v4(1), 429, Duration(0), false);
  obs.recordResponse(v4(1), 504, seconds(30), false);
  EXPECT_EQ(obs.statusCount(StatusClass::k2xx), 1u);
  EXPECT_EQ(obs.statusCount(StatusClass::k3xx), 1u);
  EXPECT_EQ(obs.statusCount(StatusClass::k4xx), 1u);
  EXPECT_EQ(obs.statusCount(StatusClass::k5xx), 2u);  // the origin's 500 and the local 504
  EXPECT_EQ(obs.statusCount(StatusClass::kLocal), 1u);
  EXPECT_EQ(obs.originResponses(), 4u);
  EXPECT_EQ(obs.originFailures(), 2u);
  EXPECT_EQ(obs.latency().count(), 4u);

  obs.recordConcurrency(10, 10);
  obs.recordConcurrency(3, 10);
  EXPECT_EQ(obs.saturatedSamples(), 1u);
  EXPECT_EQ(obs.concurrencySamples(), 2u);

  obs.reset();
  EXPECT_EQ(obs.totalRequests(), 0u);
  EXPECT_EQ(obs.sources().size(), 0u);
  EXPECT_EQ(obs.latency().count(), 0u);
}

TEST(WorkerObservation, MergeFindsAHitterSpreadOverWorkers) {
  WorkerObservation a, b, merged;
  for (int i = 0; i < 60; ++i) a.recordRequest(v4(0x01020304), 1, 0);
  for (int i = 0; i < 60; ++i) b.recordRequest(v4(0x01020304), 1, 0);
  for (uint32_t i = 0; i < 100; ++i) a.recordRequest(v4(0x05000000 + i), 2, 1);
  ASSERT_TRUE(merged.merge(a));
  ASSERT_TRUE(merged.merge(b));
  EXPECT_EQ(merged.totalRequests(), 220u);
  EXPECT_EQ(merged.routeRequests(0), 120u);
  EXPECT_EQ(merged.sources().top(1)[0].payload, v4(0x01020304));
  EXPECT_GE(merged.sources().top(1)[0].count, 120u);

  ObservationConfig other;
  other.seed = 42;
  WorkerObservation foreign(other);
  EXPECT_FALSE(merged.merge(foreign));
  EXPECT_EQ(merged.totalRequests(), 220u);
}

// A fingerprint's known-good requests, counted apart: the collateral a rule on it would have had,
// summed over workers, never under the true count, cleared with the rest.
TEST(WorkerObservation, CountsKnownGoodRequestsByFingerprintAcrossWorkers) {
  WorkerObservation a, b, merged;
  for (int i = 0; i < 30; ++i) a.recordRequest(v4(0x0a000001), 7, 0, /*known_good=*/true);
  for (int i = 0; i < 12; ++i) b.recordRequest(v4(0x0a000002), 7, 0, /*known_good=*/true);
  for (uint32_t i = 0; i < 500; ++i) b.recordRequest(v4(0x42000000 + i), 7, 0);  // strangers
  for (uint32_t i = 0; i < 200; ++i) a.recordRequest(v4(0x0a000003), 1000 + i, 0, true);
  ASSERT_TRUE(merged.merge(a));
  ASSERT_TRUE(merged.merge(b));
  EXPECT_GE(merged.knownGoodWithFingerprint(7), 42u);
  EXPECT_LE(merged.knownGoodWithFingerprint(7), 44u);  // 200 other keys in 2048 columns
  EXPECT_EQ(merged.knownGoodWithFingerprint(8), 0u);   // strangers' or nobody's: none
  merged.reset();
  EXPECT_EQ(merged.knownGoodWithFingerprint(7), 0u);
}

TEST(WorkerObservation, ServerErrorsCountPerRouteAndMerge) {
  WorkerObservation a, b, merged;
  a.recordResponse(v4(1), 500, milliseconds(5), true, MonoTime{}, 2);
  a.recordResponse(v4(1), 502, Duration(0), false, MonoTime{}, 2);  // the origin failed
  a.recordResponse(v4(1), 503, Duration(0), false, MonoTime{}, 2);  // shed by floodgate: local
  a.recordResponse(v4(1), 200, milliseconds(5), true, MonoTime{}, 2);
  b.recordResponse(v4(1), 504, Duration(0), false, MonoTime{}, 5);
  b.recordResponse(v4(1), 500, milliseconds(5), true);  // no route
  EXPECT_EQ(a.routeErrors(2), 2u);
  ASSERT_TRUE(merged.merge(a));
  ASSERT_TRUE(merged.merge(b));
  EXPECT_EQ(merged.routeErrors(2), 2u);
  EXPECT_EQ(merged.routeErrors(5), 1u);
  EXPECT_EQ(merged.routeErrors(-1), 0u);
  EXPECT_EQ(merged.statusCount(StatusClass::k5xx), 4u);
  merged.reset();
  EXPECT_EQ(merged.routeErrors(2), 0u);
}

// The kernel drop's network ladder reads refusals by network (a rate limit's, a rule's, a
// challenge: recordRefusal) beside the same network's requests; a refusal also restarts the
// tenure of a client still earning it, whatever the refusal was.
TEST(WorkerObservation, CountsRefusalsByNetworkAcrossWorkers) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet good(1024, t0);
  good.setMinTenure(std::chrono::seconds(10));
  WorkerObservation a({}, &good), b({}, &good);
  for (uint32_t i = 0; i < 40; ++i) {  // a flood spread over a /24, every request challenged
    a.recordRequest(v4(0x7f420000 + i), 7, 0);
    a.recordRefusal(v4(0x7f420000 + i), t0);
  }
  for (uint32_t i = 0; i < 10; ++i) b.recordRefusal(v4(0x7f420100 + i), t0);
  b.recordRequest(v4(0x7f0a0001), 9, 0);  // a user, served
  ASSERT_TRUE(a.merge(b));
  auto top = a.refusedPrefixes().top(10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].payload.toString(), "127.66.0.0/24");
  EXPECT_EQ(top[0].count, 40u);
  EXPECT_EQ(a.prefixes().estimate(top[0].key), 40u);  // the same key in both
  EXPECT_EQ(top[1].payload.toString(), "127.66.1.0/24");
  EXPECT_EQ(top[1].count, 10u);
  EXPECT_TRUE(a.refused().top(10).empty());  // the 429 sources: none here

  // A client served and then challenged, before its tenure: it starts again.
  IpKey client = v4(0x7f0b0001);
  for (int s = 0; s <= 15; ++s) {
    if (s == 5) a.recordRefusal(client, t0 + std::chrono::seconds(s));
    a.recordResponse(client, 200, milliseconds(1), true, t0 + std::chrono::seconds(s));
    EXPECT_EQ(good.isKnownGood(client, t0 + std::chrono::seconds(s)), s >= 15) << s;
  }
  a.reset();
  EXPECT_TRUE(a.refusedPrefixes().top(10).empty());
}

TEST(WorkerObservation, CountsConnectionsRefusedBeforeARequestByNetworkAcrossWorkers) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet good(1024, t0);
  good.setMinTenure(std::chrono::seconds(10));
  WorkerObservation a({}, &good), b({}, &good);
  for (uint32_t i = 0; i < 30; ++i) a.recordConnectionRefusal(v4(0x7f420000 + i));  // slowloris
  for (uint32_t i = 0; i < 20; ++i) b.recordConnectionRefusal(v4(0x7f420000 + i));
  IpKey user = v4(0x7f420100);  // a user who connected once and never sent a byte
  a.recordResponse(user, 200, milliseconds(1), true, t0);
  a.recordConnectionRefusal(user);
  ASSERT_TRUE(a.merge(b));
  auto top = a.refusedPrefixes().top(10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].payload.toString(), "127.66.0.0/24");
  EXPECT_EQ(top[0].count, 50u);
  EXPECT_EQ(a.connectionRefusals(top[0].key), 50u);
  EXPECT_EQ(a.prefixes().estimate(top[0].key), 0u);  // no request: nothing for the detector
  EXPECT_EQ(a.connectionRefusals(top[1].key), 1u);
  EXPECT_TRUE(a.sources().top(10).empty());
  EXPECT_TRUE(a.refused().top(10).empty());
  EXPECT_EQ(a.totalRequests(), 0u);
  // Its tenure runs on: an unused connection is no offence of a client's.
  a.recordResponse(user, 200, milliseconds(1), true, t0 + std::chrono::seconds(10));
  EXPECT_TRUE(good.isKnownGood(user, t0 + std::chrono::seconds(10)));
  a.reset();
  EXPECT_EQ(a.connectionRefusals(top[0].key), 0u);
}

// A slow connection is counted against its network a second in, before it is refused: one
// still before its request as an attempt its network made too, a slow body (its request counted
// already) as a refusal only; the refusal that follows counts the client's tenure alone.
TEST(WorkerObservation, CountsSlowConnectionsAgainstTheirNetworkOnceBeforeTheyAreRefused) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet good(1024, t0);
  WorkerObservation a({}, &good), b({}, &good);
  for (uint32_t i = 0; i < 30; ++i) a.recordSlowConnection(v4(0x7f420000 + i), true);
  IpKey poster = v4(0x7f420063);
  b.recordRequest(poster, 1, 0);
  b.recordSlowConnection(poster, false);
  b.recordRefusal(poster, t0, false);  // its 408 later: already counted on the network
  ASSERT_TRUE(a.merge(b));
  auto top = a.refusedPrefixes().top(10);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].payload.toString(), "127.66.0.0/24");
  EXPECT_EQ(top[0].count, 31u);
  EXPECT_EQ(a.connectionRefusals(top[0].key), 30u);
  EXPECT_EQ(a.prefixes().estimate(top[0].key), 1u);
  b.reset();
  b.recordRefusal(poster, t0);  // a refusal not counted before counts on its network
  EXPECT_EQ(b.refusedPrefixes().estimate(top[0].key), 1u);
}

// A network is served when the origin answers one of its requests (below 500); a local answer,
// a 429 or a 503 of floodgate's, and the origin's own 5xx are not service.
TEST(WorkerObservation, CountsANetworksRequestsTheOriginAnsweredAcrossWorkers) {
  WorkerObservation a, b;
  const uint64_t network = a.prefixKey(a.prefixOfSource(v4(0x7f420001)));
  const uint64_t other = a.prefixKey(a.prefixOfSource(v4(0x7f430001)));
  a.recordResponse(v4(0x7f420001), 200, milliseconds(1), true);
  b.recordResponse(v4(0x7f420002), 404, milliseconds(1), true);
  b.recordResponse(v4(0x7f420003), 429, Duration(0), false);
  b.recordResponse(v4(0x7f420003), 200, Duration(0), false);
  b.recordResponse(v4(0x7f430001), 503, milliseconds(1), true);
  b.recordResponse(v4(0x7f430001), 503, Duration(0), false);
  ASSERT_TRUE(a.merge(b));
  EXPECT_EQ(a.servedByOrigin(network), 2u);
  EXPECT_EQ(a.servedByOrigin(other), 0u);
  a.reset();
  EXPECT_EQ(a.servedByOrigin(network), 0u);
}

TEST(WorkerObservation, CountsWhomFloodgateRefusedAcrossWorkers) {
  WorkerObservation a, b;
  for (int i = 0; i < 30; ++i) a.recordResponse(v4(7), 429, Duration(0), false);
  for (int i = 0; i < 20; ++i) b.recordResponse(v4(7), 429, Duration(0), false);
  b.recordResponse(v4(8), 403, Duration(0), false);  // a block rule's: it has its own way in
  b.recordResponse(v4(8), 503, Duration(0), false);  // shed by origin protection: no offence
  b.recordResponse(v4(8), 429, milliseconds(1), true);  // the origin's own 429: not ours
  a.recordResponse(v4(9), 200, milliseconds(1), true);
  ASSERT_TRUE(a.merge(b));
  auto top = a.refused().top(10);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].payload, v4(7));
  EXPECT_EQ(top[0].count, 50u);
  a.reset();
  EXPECT_TRUE(a.refused().top(10).empty());
}

TEST(WorkerObservation, OriginSuccessesMakeKnownGoodClients) {
  MonoTime t0{seconds(1000)};
  KnownGoodSet good(1024, t0);
  WorkerObservation obs({}, &good);
  obs.recordResponse(v4(1), 200, milliseconds(1), true, t0);
  obs.recordResponse(v4(2), 200, Duration(0), false, t0);  // a local 200 (challenge page)
  obs.recordResponse(v4(3), 503, milliseconds(1), true, t0);
  EXPECT_TRUE(good.isKnownGood(v4(1), t0 + seconds(1)));
  EXPECT_FALSE(good.isKnownGood(v4(2), t0 + seconds(1)));
  EXPECT_FALSE(good.isKnownGood(v4(3), t0 + seconds(1)));
}

TEST(WorkerObservation, RecordingDoesNotAllocate) {
  WorkerObservation obs;
  testing::AllocationCounter counter;
  for (uint32_t i = 0; i < 10'000; ++i) {
    obs.recordRequest(v4(i * 2654435761u), i % 17, static_cast<int>(i % 70), i % 2 == 0);
    obs.recordResponse(v4(i), 200, milliseconds(i % 100), true);
  }
  EXPECT_EQ(counter.count(), 0u);
}

TEST(KnownGoodSet, BeforeTheAnomalyMeansKnownGood) {
  MonoTime t0{seconds(50)};
  KnownGoodSet good(4096, t0, std::chrono::hours(1));
  good.noteSuccess(v4(1), t0);
  EXPECT_TRUE(good.isKnownGood(v4(1), t0 + seconds(1)));
  EXPECT_FALSE(good.isKnownGood(v4(2), t0 + seconds(1)));

  good.beginAnomaly(t0 + seconds(10));
  ASSERT_TRUE(good.anomalyStart().has_value());
  good.noteSuccess(v4(2), t0 + seconds(15));  // first seen during the anomaly
  good.noteSuccess(v4(1), t0 + seconds(15));  // a regular keeps coming: still known-good
  EXPECT_TRUE(good.isKnownGood(v4(1), t0 + seconds(20)));
  EXPECT_FALSE(good.isKnownGood(v4(2), t0 + seconds(20)));

  good.endAnomaly();
  EXPECT_TRUE(good.isKnownGood(v4(2), t0 + seconds(21)));
  // Retention: an hour without a success and a client is a stranger again.
  EXPECT_FALSE(good.isKnownGood(v4(1), t0 + seconds(15) + std::chrono::hours(1) + seconds(2)));
}

TEST(KnownGoodSet, ABotnetCannotChurnRegularsOutDuringAnAnomaly) {
  MonoTime t0{seconds(50)};
  KnownGoodSet good(4096, t0);
  for (uint32_t i = 0; i < 1000; ++i) good.noteSuccess(v4(0x0a000000 + i), t0);
  int before = 0;
  for (uint32_t i = 0; i < 1000; ++i) before += good.isKnownGood(v4(0x0a000000 + i), t0);
  EXPECT_GE(before, 990);  // a few lost to full sets
  good.beginAnomaly(t0 + seconds(5));
  for (uint32_t i = 0; i < 1'000'000; ++i) good.noteSuccess(v4(0x50000000 + i), t0 + seconds(6));
  int after = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    after += good.isKnownGood(v4(0x0a000000 + i), t0 + seconds(7));
  }
  EXPECT_EQ(after, before);
  EXPECT_LE(good.occupied(), good.slots());
  EXPECT_EQ(good.memoryBytes(), 4096u * 8);
}

TEST(KnownGoodSet, LongLivedRegularsSurviveTheClockWrap) {
  MonoTime t0{seconds(50)};
  KnownGoodSet good(64, t0, std::chrono::hours(24));
  // A success every 12 hours for 30 days: 20-bit seconds wrap every ~12 days.
  MonoTime t = t0;
  for (int i = 0; i < 60; ++i, t += std::chrono::hours(12)) good.noteSuccess(v4(9), t);
  good.beginAnomaly(t);
  EXPECT_TRUE(good.isKnownGood(v4(9), t + seconds(30)));
}

}  // namespace
}  // namespace floodgate::shield
