#include "shield/rate_limit_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "shield/ip_prefix.h"
#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

MonoTime at(int64_t ms) { return MonoTime(milliseconds(1'000'000 + ms)); }

TEST(RateSpec, PerSecondInTableUnits) {
  RateSpec s = RateSpec::perSecond(1000, 50);
  EXPECT_EQ(s.interval_us, 1000u);
  EXPECT_EQ(s.capacity_us, 50'000u);
  EXPECT_DOUBLE_EQ(s.rate(), 1000);
  EXPECT_DOUBLE_EQ(s.burst(), 50);
  EXPECT_EQ(RateSpec::perSecond(3, 1).interval_us, 333'333u);
  RateSpec odd = RateSpec::perSecond(0, 0);  // nonsense in, a tiny limit out
  EXPECT_EQ(odd.capacity_us, RateSpec::kMaxCapacityUs);
  EXPECT_EQ(odd.interval_us, RateSpec::kMaxCapacityUs);
}

TEST(SharedRateLimiter, BurstThenRateWithRetryAfter) {
  SharedRateLimiter table(1024);
  RateSpec spec = RateSpec::perSecond(10, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(table.admit(42, spec, at(0)).allowed) << i;
  RateDecision d = table.admit(42, spec, at(0));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 100u);
  d = table.admit(42, spec, at(60));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 40u);
  EXPECT_TRUE(table.admit(42, spec, at(100)).allowed);
  EXPECT_FALSE(table.admit(42, spec, at(100)).allowed);
  // Other keys are untouched.
  EXPECT_TRUE(table.admit(43, spec, at(100)).allowed);
  // Idle for a while refills to the burst, not beyond.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += table.admit(42, spec, at(60'000)).allowed;
  EXPECT_EQ(allowed, 3);
}

TEST(SharedRateLimiter, CostsAndImpossibleCosts) {
  SharedRateLimiter table(64);
  RateSpec spec = RateSpec::perSecond(1, 5);
  EXPECT_TRUE(table.admit(7, spec, at(0), 4).allowed);
  RateDecision d = table.admit(7, spec, at(0), 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 1000u);
  d = table.admit(7, spec, at(0), 6);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, UINT32_MAX);
}

TEST(SharedRateLimiter, FullSetEvictsTheBucketClosestToFull) {
  SharedRateLimiter table(SharedRateLimiter::kWays);  // one set: every key competes
  ASSERT_EQ(table.slots(), SharedRateLimiter::kWays);
  RateSpec spec = RateSpec::perSecond(1, 10);
  // A heavy client drains its bucket...
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(table.admit(1, spec, at(0)).allowed);
  ASSERT_FALSE(table.admit(1, spec, at(0)).allowed);
  // ...then a spray of one-shot keys, many times the set's size, arrives.
  for (uint64_t k = 100; k < 1100; ++k) {
    EXPECT_TRUE(table.admit(k, spec, at(1)).allowed) << "a new key must get a fresh bucket";
  }
  EXPECT_EQ(table.occupied(), SharedRateLimiter::kWays);
  // The heavy client's drained state survived the spray: the one-shot keys were fuller.
  EXPECT_FALSE(table.admit(1, spec, at(2)).allowed);
}

TEST(SharedRateLimiter, EvictionErrsTowardLettingThrough) {
  SharedRateLimiter table(SharedRateLimiter::kWays);
  RateSpec spec = RateSpec::perSecond(1, 2);
  // Nine drained clients for eight slots: each newcomer evicts someone and is let through.
  for (uint64_t k = 1; k <= 9; ++k) {
    EXPECT_TRUE(table.admit(k, spec, at(0)).allowed);
    EXPECT_TRUE(table.admit(k, spec, at(0)).allowed);
  }
  int denied = 0;
  for (uint64_t k = 1; k <= 9; ++k) denied += !table.admit(k, spec, at(0)).allowed;
  EXPECT_LE(denied, 8);  // at least the evicted one came back to a fresh bucket
}

TEST(SharedRateLimiter, StaleSlotAfterClockWrapReadsAsFull) {
  SharedRateLimiter table(64);
  RateSpec spec = RateSpec::perSecond(1, 1);
  ASSERT_TRUE(table.admit(5, spec, at(0)).allowed);
  ASSERT_FALSE(table.admit(5, spec, at(0)).allowed);
  // 2^39 µs (6.4 days) and an hour later the 40-bit stamp has wrapped halfway round.
  MonoTime later = at(0) + microseconds(int64_t{1} << 39) + std::chrono::hours(1);
  EXPECT_TRUE(table.admit(5, spec, later).allowed);
}

TEST(SharedRateLimiter, AdmitAllocatesNothing) {
  SharedRateLimiter table(1 << 12);
  RateSpec spec = RateSpec::perSecond(100, 10);
  testing::AllocationCounter counter;
  int allowed = 0;
  for (uint64_t i = 0; i < 10'000; ++i) allowed += table.admit(i % 500, spec, at(0)).allowed;
  EXPECT_GT(allowed, 0);
  EXPECT_EQ(counter.count(), 0u);
}

// Four threads hammer one key with a shared simulated clock: call n happens at start + n × 20 µs,
// so the key is offered 50k requests a second against a limit of 1000/s. What gets through over
// the window must be the rate × window plus one burst — not four times it.
TEST(SharedRateLimiter, OneKeyAcrossThreadsGetsItsLimitOnce) {
  SharedRateLimiter table(1 << 16);
  const RateSpec spec = RateSpec::perSecond(1000, 50);
  const uint64_t calls = testing::scaled(400'000);
  const uint64_t key = hashKey(IpKey::fromV4(0xc0000201), 99);
  std::atomic<uint64_t> ticket{0}, admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      uint64_t mine = 0;
      for (uint64_t n; (n = ticket.fetch_add(1, std::memory_order_relaxed)) < calls;) {
        mine += table.admit(key, spec, at(0) + microseconds(n * 20)).allowed;
      }
      admitted.fetch_add(mine);
    });
  }
  for (auto& t : threads) t.join();
  const double window_s = static_cast<double>(calls) * 20e-6;
  const double expected = 1000 * window_s + 50;
  std::printf("[ rate limit ] 4 threads, one key, %.1f s simulated: admitted %llu, expected %.0f\n",
              window_s, static_cast<unsigned long long>(admitted.load()), expected);
  EXPECT_NEAR(static_cast<double>(admitted.load()), expected, expected * 0.03);
}

// Many threads, many keys: every key's limit holds, and the table stays consistent.
TEST(SharedRateLimiter, ManyKeysAcrossThreads) {
  SharedRateLimiter table(1 << 14);
  const RateSpec spec = RateSpec::perSecond(100, 10);
  constexpr int kKeys = 64;
  const uint64_t rounds = testing::scaled(20'000);
  std::vector<std::atomic<uint64_t>> admitted(kKeys);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t r = 0; r < rounds; ++r) {
        int k = static_cast<int>((r * 7 + t) % kKeys);
        // Round r is at r × 500 µs: each key is offered ~3 × 2000/64 ≈ 94 requests/s.
        if (table.admit(mix64(k + 1), spec, at(0) + microseconds(r * 500)).allowed) {
          admitted[k].fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double window_s = static_cast<double>(rounds) * 500e-6;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_LE(static_cast<double>(admitted[k].load()), 100 * window_s + 10 + 2) << k;
  }
}

// Ten million distinct keys (a spoofed-source flood) through a 2^20-slot table: memory stays at
// the table's size, an innocent low-rate client is never refused, and a heavy client stays
// limited although the spray keeps evicting around it.
TEST(SharedRateLimiter, TenMillionKeysInFixedMemory) {
  const uint64_t keys = testing::scaled(10'000'000);
  SharedRateLimiter table(1 << 20);
  const uint64_t rss_before = testing::residentBytes();
  const RateSpec spec = RateSpec::perSecond(10, 20);
  const uint64_t innocent = hashKey(IpKey::fromV4(0xcb007101), 5);
  const uint64_t heavy = hashKey(IpKey::fromV4(0xcb007102), 5);
  uint64_t innocent_denied = 0, heavy_admitted = 0, spray_denied = 0;

  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < keys; ++i) {
    MonoTime now = at(0) + microseconds(i);  // 1M requests per simulated second
    spray_denied +=
        !table.admit(hashKey(IpKey::fromV4(static_cast<uint32_t>(i)), 5), spec, now).allowed;
    if (i % 200'000 == 0) innocent_denied += !table.admit(innocent, spec, now).allowed;  // 5/s
    if (i % 100 == 0) heavy_admitted += table.admit(heavy, spec, now).allowed;           // 10k/s
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  const uint64_t rss_after = testing::residentBytes();
  const double window_s = static_cast<double>(keys) * 1e-6;
  const double ns = std::chrono::duration<double, std::nano>(elapsed).count() /
                    static_cast<double>(keys + keys / 100 + keys / 200'000);

  std::printf(
      "[ rate limit ] %llu distinct keys into %zu slots (%.1f MiB): RSS before %.1f MiB, after "
      "%.1f MiB; %.1f ns/admit; heavy admitted %llu (limit %.0f); spray denied %llu\n",
      static_cast<unsigned long long>(keys), table.slots(), testing::mib(table.memoryBytes()),
      testing::mib(rss_before), testing::mib(rss_after), ns,
      static_cast<unsigned long long>(heavy_admitted), 10 * window_s + 20,
      static_cast<unsigned long long>(spray_denied));

  EXPECT_EQ(innocent_denied, 0u);
  EXPECT_NEAR(static_cast<double>(heavy_admitted), 10 * window_s + 20, 3 + 0.05 * 10 * window_s);
  EXPECT_LE(spray_denied, keys / 100'000);        // only 24-bit tag collisions with drained slots
  // Flat: the table itself at most (resident as keys hashed to it), whatever their count.
  EXPECT_LT(rss_after, rss_before + table.memoryBytes() + (2u << 20));
  EXPECT_EQ(table.memoryBytes(), (size_t{1} << 20) * 8);
}

}  // namespace
}  // namespace floodgate::shield
