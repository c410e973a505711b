#include "shield/connection_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

using std::chrono::milliseconds;

MonoTime at(int64_t ms) { return MonoTime(milliseconds(1'000'000 + ms)); }
IpKey v4(uint32_t a) { return IpKey::fromV4(a); }

TEST(ConnectionLimiter, ConcurrentCap) {
  ConnectionLimiter limiter(1024, {3, 0}, 1);
  const IpKey src = v4(0xc0000201);
  for (int i = 0; i < 3; ++i) {
    OpenDecision d = limiter.tryOpen(src, at(0));
    EXPECT_TRUE(d.allowed);
    EXPECT_TRUE(d.tracked);
  }
  OpenDecision d = limiter.tryOpen(src, at(0));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, OpenVerdict::kTooManyConcurrent);
  EXPECT_STREQ(verdictName(d.reason), "too many concurrent connections from this source");
  EXPECT_EQ(limiter.concurrent(src), 3u);
  // Another source is unaffected, IPv6 too.
  EXPECT_TRUE(limiter.tryOpen(v4(0xc0000202), at(0)).allowed);
  EXPECT_TRUE(limiter.tryOpen(IpKey{0x20010db800000000ULL, 1}, at(0)).allowed);

  limiter.close(src);
  EXPECT_TRUE(limiter.tryOpen(src, at(0)).allowed);
  for (int i = 0; i < 3; ++i) limiter.close(src);
  EXPECT_EQ(limiter.concurrent(src), 0u);
  limiter.close(src);  // one too many: ignored, never wraps below zero
  EXPECT_EQ(limiter.concurrent(src), 0u);
  EXPECT_EQ(limiter.liveConnections(), 2u);
}

TEST(ConnectionLimiter, NewPerSecondCap) {
  ConnectionLimiter limiter(1024, {0, 5}, 1);
  const IpKey src = v4(0x0a000001);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter.tryOpen(src, at(100)).allowed);
    limiter.close(src);
  }
  OpenDecision d = limiter.tryOpen(src, at(900));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, OpenVerdict::kTooManyNew);
  // Refusals do not count: the next second starts afresh however hard the source pushed.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.tryOpen(src, at(950)).allowed);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.tryOpen(src, at(1000)).allowed);
  EXPECT_FALSE(limiter.tryOpen(src, at(1999)).allowed);
  EXPECT_EQ(limiter.concurrent(src), 5u);
}

TEST(ConnectionLimiter, CapsChangeAtRuntimeAndHugeCapsMeanNone) {
  ConnectionLimiter limiter(64, {1, 0}, 1);
  const IpKey src = v4(0x0a000002);
  ASSERT_TRUE(limiter.tryOpen(src, at(0)).allowed);
  ASSERT_FALSE(limiter.tryOpen(src, at(0)).allowed);
  limiter.setCaps({2, 0});
  EXPECT_EQ(limiter.caps().max_concurrent, 2u);
  EXPECT_TRUE(limiter.tryOpen(src, at(0)).allowed);
  EXPECT_FALSE(limiter.tryOpen(src, at(0)).allowed);
  limiter.setCaps({1'000'000, 1'000'000});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.tryOpen(src, at(0)).allowed);
}

// One set, so every source competes for the same eight slots.
TEST(ConnectionLimiter, EvictionKeepsLiveSourcesAndPrefersIdleOnes) {
  ConnectionLimiter limiter(ConnectionLimiter::kWays, {2, 3}, 1);
  ASSERT_EQ(limiter.slots(), ConnectionLimiter::kWays);
  const IpKey holder = v4(0x01010101);
  ASSERT_TRUE(limiter.tryOpen(holder, at(0)).tracked);
  ASSERT_TRUE(limiter.tryOpen(holder, at(0)).tracked);
  // A crowd of short-lived sources passes through.
  for (uint32_t i = 0; i < 1000; ++i) {
    OpenDecision d = limiter.tryOpen(v4(0x0b000000 + i), at(10 + i));
    ASSERT_TRUE(d.allowed);
    ASSERT_TRUE(d.tracked);
    limiter.close(v4(0x0b000000 + i));
  }
  // The holder's count survived: still at its cap, and its closes land.
  EXPECT_EQ(limiter.concurrent(holder), 2u);
  EXPECT_FALSE(limiter.tryOpen(holder, at(2000)).allowed);
  limiter.close(holder);
  EXPECT_TRUE(limiter.tryOpen(holder, at(2000)).allowed);
}

TEST(ConnectionLimiter, FullOfLiveSourcesLetsNewOnesThroughUntracked) {
  ConnectionLimiter limiter(ConnectionLimiter::kWays, {1, 1}, 1);
  for (uint32_t i = 0; i < ConnectionLimiter::kWays; ++i) {
    ASSERT_TRUE(limiter.tryOpen(v4(0x0c000000 + i), at(0)).tracked);
  }
  OpenDecision d = limiter.tryOpen(v4(0x0d000000), at(0));
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.tracked);
  EXPECT_EQ(limiter.untracked(), 1u);
  EXPECT_EQ(limiter.liveConnections(), ConnectionLimiter::kWays);
}

TEST(ConnectionLimiter, SweepFreesIdleSlotsAndRestampsLiveOnes) {
  ConnectionLimiter limiter(1024, {0, 2}, 1);
  const IpKey idle = v4(0x0e000001), holder = v4(0x0e000002);
  ASSERT_TRUE(limiter.tryOpen(idle, at(0)).allowed);
  limiter.close(idle);
  ASSERT_TRUE(limiter.tryOpen(holder, at(0)).allowed);
  ASSERT_TRUE(limiter.tryOpen(holder, at(0)).allowed);
  EXPECT_EQ(limiter.sweep(at(500)), 0u);  // this second: nothing is idle yet
  EXPECT_EQ(limiter.sweep(at(5000)), 1u);
  EXPECT_EQ(limiter.occupied(), 1u);
  EXPECT_EQ(limiter.concurrent(holder), 2u);
  // 16384 s later the stamp has come round again; without the restamp, the holder's two new
  // connections of second 1000 would read as this second's and refuse it.
  EXPECT_TRUE(limiter.tryOpen(holder, at(16'384'000)).allowed);
}

TEST(ConnectionLimiter, OpenAndCloseAllocateNothing) {
  ConnectionLimiter limiter(1 << 12, {100, 1000}, 1);
  testing::AllocationCounter counter;
  for (uint32_t i = 0; i < 10'000; ++i) {
    if (limiter.tryOpen(v4(i % 700), at(i)).tracked) limiter.close(v4(i % 700));
  }
  EXPECT_EQ(counter.count(), 0u);
}

// Four threads open and close connections for one source. A connection is counted in
// `outstanding` only between a successful open and its close, so at every moment the table's
// count is at least `outstanding`: the cap must never be seen exceeded, and nothing leaks.
TEST(ConnectionLimiter, OneSourceAcrossThreadsNeverExceedsCap) {
  ConnectionLimiter limiter(1 << 10, {5, 0}, 3);
  const IpKey src = v4(0xc6336401);
  const int rounds = static_cast<int>(testing::scaled(200'000));
  std::atomic<int> outstanding{0}, max_seen{0}, allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        OpenDecision d = limiter.tryOpen(src, at(0));
        if (!d.allowed) continue;
        ASSERT_TRUE(d.tracked);
        int now = outstanding.fetch_add(1) + 1;
        int seen = max_seen.load();
        while (now > seen && !max_seen.compare_exchange_weak(seen, now)) {
        }
        allowed.fetch_add(1, std::memory_order_relaxed);
        outstanding.fetch_sub(1);
        limiter.close(src);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_seen.load(), 5);
  EXPECT_GT(allowed.load(), 0);
  EXPECT_EQ(limiter.concurrent(src), 0u);
  EXPECT_EQ(limiter.liveConnections(), 0u);
}

// Threads share sources in a small table, so inserts, evictions, closes and sweeps race; at the
// end every open has been closed and no count may have leaked.
TEST(ConnectionLimiter, ManySourcesAcrossThreadsLeakNothing) {
  ConnectionLimiter limiter(64, {0, 0}, 4);  // eight sets
  const int rounds = static_cast<int>(testing::scaled(100'000));
  std::atomic<uint64_t> untracked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<IpKey> held;
      for (int i = 0; i < rounds; ++i) {
        IpKey src = v4(0x0f000000 + static_cast<uint32_t>((i * 31 + t * 7) % 200));
        OpenDecision d = limiter.tryOpen(src, at(i / 100));
        if (d.tracked) {
          held.push_back(src);
        } else {
          untracked.fetch_add(1);
        }
        if (held.size() > 6 || (i % 3 == 0 && !held.empty())) {
          limiter.close(held.front());
          held.erase(held.begin());
        }
      }
      for (const IpKey& k : held) limiter.close(k);
    });
  }
  // The control thread sweeps meanwhile; it must never free a slot that holds connections.
  std::atomic<bool> done{false};
  std::thread sweeper([&] {
    for (int64_t s = 0; !done.load(); ++s) limiter.sweep(at(s * 1000));
  });
  for (auto& t : threads) t.join();
  done = true;
  sweeper.join();
  EXPECT_EQ(limiter.liveConnections(), 0u);
  EXPECT_EQ(limiter.untracked(), untracked.load());
}

// Ten million distinct sources open and close a connection each: memory stays at the table's
// size, and a long-lived source's count survives the churn.
TEST(ConnectionLimiter, TenMillionSourcesInFixedMemory) {
  const uint64_t sources = testing::scaled(10'000'000);
  ConnectionLimiter limiter(1 << 20, {4, 50}, 5);
  const uint64_t rss_before = testing::residentBytes();
  const IpKey holder = IpKey{0x2001'0db8'0000'0001ULL, 42};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.tryOpen(holder, at(0)).allowed);
  uint64_t refused = 0;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < sources; ++i) {
    IpKey src = IpKey::fromV4(static_cast<uint32_t>(i * 2654435761u));
    OpenDecision d = limiter.tryOpen(src, at(static_cast<int64_t>(i / 1000)));
    refused += !d.allowed;
    if (d.tracked) limiter.close(src);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  const uint64_t rss_after = testing::residentBytes();
  std::printf(
      "[ connections ] %llu distinct sources into %zu slots (%.1f MiB): RSS before %.1f MiB, "
      "after %.1f MiB; %.1f ns per open+close; refused %llu\n",
      static_cast<unsigned long long>(sources), limiter.slots(),
      testing::mib(limiter.memoryBytes()), testing::mib(rss_before), testing::mib(rss_after),
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(sources),
      static_cast<unsigned long long>(refused));
  EXPECT_EQ(limiter.concurrent(holder), 4u);
  EXPECT_FALSE(limiter.tryOpen(holder, at(1'000'000)).allowed);
  EXPECT_LE(refused, sources / 100'000);  // only 22-bit tag collisions
  // Flat: the table itself at most (resident as sources hashed to it), whatever their count.
  EXPECT_LT(rss_after, rss_before + limiter.memoryBytes() + (2u << 20));
}

}  // namespace
}  // namespace floodgate::shield
