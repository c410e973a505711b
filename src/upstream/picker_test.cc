#include "upstream/picker.h"

#include <gtest/gtest.h>

#include <map>

#include "upstream/slow_start.h"

namespace floodgate::upstream {
namespace {

using shield::PriorityClass;

// A cluster of `per_level[l]` endpoints in each level l, with the given level capacities.
config::Cluster makeCluster(std::vector<int> per_level, std::vector<config::Level> levels = {}) {
  config::Cluster c;
  c.name = "test";
  if (levels.empty()) levels.resize(per_level.size());
  c.levels = levels;
  int port = 9000;
  for (size_t l = 0; l < per_level.size(); ++l) {
    for (int i = 0; i < per_level[l]; ++i) {
      config::Endpoint e;
      e.address_text = "127.0.0.1:" + std::to_string(port++);
      e.level = static_cast<int>(l);
      c.endpoints.push_back(e);
    }
  }
  return c;
}

struct Fixture {
  explicit Fixture(config::Cluster c) : cluster(std::move(c)) {
    runtime.shared = std::make_shared<ClusterShared>(cluster);
    auto h = std::make_shared<ClusterHealth>();
    h->endpoints.resize(cluster.endpoints.size());
    for (auto& e : h->endpoints) e.available_since = clock.now() - seconds(3600);
    runtime.health = h;
    picker = std::make_unique<Picker>(&cluster, runtime, 1, 42);
  }
  void setHealth(const std::function<void(ClusterHealth&)>& edit) {
    auto h = std::make_shared<ClusterHealth>(*runtime.health);
    edit(*h);
    runtime.health = h;
    picker->setHealth(h);
  }
  // Picks n times (finishing each at once) and counts where they went; -1: shed.
  std::map<int, int> spread(int n, PickRequest req = {}) {
    std::map<int, int> where;
    for (int i = 0; i < n; ++i) {
      Pick p = picker->pick(req, clock.now());
      ++where[p.endpoint];
      picker->finish(p, Outcome::kSuccess, milliseconds(1), true);
    }
    return where;
  }
  ManualClock clock;
  config::Cluster cluster;
  ClusterRuntime runtime;
  std::unique_ptr<Picker> picker;
};

TEST(Picker, PrimaryLevelTakesEverythingWhileHealthy) {
  Fixture f(makeCluster({2, 1}));
  auto where = f.spread(1000);
  EXPECT_EQ(where[2], 0);
  EXPECT_EQ(where[0] + where[1], 1000);
  EXPECT_GT(where[0], 300);
  EXPECT_GT(where[1], 300);
  EXPECT_EQ(f.runtime.shared->counters().failovers.load(), 0u);
}

TEST(Picker, FailsOverWhenThePrimaryLevelIsDown) {
  Fixture f(makeCluster({1, 1}));
  f.setHealth([](ClusterHealth& h) { h.endpoints[0].healthy = false; });
  auto where = f.spread(100);
  EXPECT_EQ(where[1], 100);
  EXPECT_EQ(f.runtime.shared->counters().failovers.load(), 100u);
}

TEST(Picker, AlternateLevelCapacityIsNeverExceededAndTheRestIsShed) {
  config::Level limited;
  limited.requests_per_second = 100;
  Fixture f(makeCluster({1, 1}, {config::Level{}, limited}));
  f.setHealth([](ClusterHealth& h) { h.endpoints[0].ejected = true; });
  int served = 0, shed = 0;
  for (int i = 0; i < 5000; ++i) {  // 1000/s for 5 s
    Pick p = f.picker->pick({}, f.clock.now());
    if (p.ok()) {
      ++served;
      f.picker->finish(p, Outcome::kSuccess, milliseconds(1), true);
    } else {
      ++shed;
    }
    f.clock.advance(milliseconds(1));
  }
  EXPECT_LE(served, 500 + 5);
  EXPECT_GE(served, 490);
  EXPECT_EQ(served + shed, 5000);
}

TEST(Picker, PrimaryCapacitySpillsOnlyTheSurplus) {
  config::Level primary;
  primary.concurrency = 4;
  Fixture f(makeCluster({1, 1}, {primary, config::Level{}}));
  std::vector<Pick> held;
  for (int i = 0; i < 10; ++i) held.push_back(f.picker->pick({}, f.clock.now()));
  int primary_count = 0;
  for (const auto& p : held) primary_count += p.endpoint == 0;
  EXPECT_EQ(primary_count, 3);  // 90% of 4 for an unknown client
  for (const auto& p : held) f.picker->finish(p, Outcome::kSuccess, milliseconds(1), true);
  EXPECT_EQ(f.runtime.shared->gate(0).inFlight(), 0);
  EXPECT_EQ(f.runtime.shared->gate(1).inFlight(), 0);
}

TEST(Picker, RetryAvoidsTheEndpointThatFailed) {
  Fixture f(makeCluster({3}));
  for (int i = 0; i < 200; ++i) {
    PickRequest req;
    req.tried = 1u << 1;
    Pick p = f.picker->pick(req, f.clock.now());
    ASSERT_TRUE(p.ok());
    EXPECT_NE(p.endpoint, 1);
    f.picker->finish(p, Outcome::kSuccess, milliseconds(1), true);
  }
  // A full alternate does not send the retry back to the endpoint that failed it.
  config::Level tiny;
  tiny.concurrency = 1;
  Fixture full(makeCluster({1, 1}, {config::Level{}, tiny}));
  Pick holder = full.picker->pick({}, full.clock.now());  // takes level 0
  ASSERT_EQ(holder.endpoint, 0);
  full.runtime.shared->gate(1).tryAcquire(PriorityClass::kKnownGood, 1, full.clock.now());
  PickRequest retry;
  retry.tried = 1;
  EXPECT_FALSE(full.picker->pick(retry, full.clock.now()).ok());
  // With nothing else left, the same endpoint is better than none.
  Fixture single(makeCluster({1}));
  PickRequest req;
  req.tried = 1;
  EXPECT_EQ(single.picker->pick(req, single.clock.now()).endpoint, 0);
}

TEST(Picker, LeastRequestAvoidsTheBusyEndpoint) {
  Fixture f(makeCluster({2}));
  f.runtime.shared->endpoint(0).outstanding.store(50);
  auto where = f.spread(200);
  EXPECT_EQ(where[1], 200);
}

TEST(Picker, SlowStartRampsARecoveredPrimaryBackGradually) {
  Fixture f(makeCluster({1, 1}));
  f.cluster.slow_start = seconds(10);
  MonoTime back = f.clock.now();
  f.setHealth([&](ClusterHealth& h) { h.endpoints[0].available_since = back; });
  auto at_start = f.spread(2000);
  f.clock.advance(seconds(5));
  auto halfway = f.spread(2000);
  f.clock.advance(seconds(6));
  auto after = f.spread(2000);
  EXPECT_NEAR(at_start[0], 2000 * 0.1 * 1.4, 80);   // 10% weight, overprovisioned
  EXPECT_NEAR(halfway[0], 2000 * 0.5 * 1.4, 100);
  EXPECT_EQ(after[0], 2000);
}

TEST(Picker, SlowStartWeight) {
  MonoTime t0{seconds(100)};
  EXPECT_DOUBLE_EQ(slowStartWeight(t0, t0, seconds(10)), kSlowStartMinWeight);
  EXPECT_DOUBLE_EQ(slowStartWeight(t0, t0 + seconds(5), seconds(10)), 0.5);
  EXPECT_DOUBLE_EQ(slowStartWeight(t0, t0 + seconds(10), seconds(10)), 1.0);
  EXPECT_DOUBLE_EQ(slowStartWeight(t0, t0, Duration{0}), 1.0);
}

TEST(Picker, PanicSpreadsOverAllEndpoints) {
  Fixture f(makeCluster({4}));
  f.setHealth([](ClusterHealth& h) {
    for (size_t i = 0; i < 3; ++i) h.endpoints[i].healthy = false;
    h.panic = true;
  });
  auto where = f.spread(2000);
  for (int e = 0; e < 4; ++e) EXPECT_GT(where[e], 300) << e;
}

TEST(Picker, EverythingDownSheds) {
  Fixture f(makeCluster({1, 1}));
  f.setHealth([](ClusterHealth& h) {
    h.endpoints[0].healthy = false;
    h.endpoints[1].draining = true;
  });
  EXPECT_FALSE(f.picker->pick({}, f.clock.now()).ok());
}

TEST(Picker, HashingIsStickyAndMovesOnlyTheKeysOfARemovedEndpoint) {
  config::Cluster c = makeCluster({4});
  c.load_balancing.policy = config::LoadBalancing::Policy::kHash;
  Fixture f(c);
  std::map<uint64_t, int> before;
  for (uint64_t key = 1; key <= 400; ++key) {
    PickRequest req;
    req.has_key = true;
    req.key = key * 7919;
    Pick p = f.picker->pick(req, f.clock.now());
    before[key] = p.endpoint;
    EXPECT_EQ(f.picker->pick(req, f.clock.now()).endpoint, p.endpoint);
  }
  f.setHealth([](ClusterHealth& h) { h.endpoints[2].draining = true; });
  for (uint64_t key = 1; key <= 400; ++key) {
    PickRequest req;
    req.has_key = true;
    req.key = key * 7919;
    int now = f.picker->pick(req, f.clock.now()).endpoint;
    if (before[key] != 2) {
      EXPECT_EQ(now, before[key]);
    }
    EXPECT_NE(now, 2);
  }
}

TEST(Picker, BackoffIsJitteredAndCapped) {
  Fixture f(makeCluster({1}));
  for (int retry = 1; retry < 10; ++retry) {
    Duration d = f.picker->backoff(retry);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, f.cluster.retry.backoff_max);
  }
}

}  // namespace
}  // namespace floodgate::upstream
