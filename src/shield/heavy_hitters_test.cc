#include "shield/heavy_hitters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "shield/ip_prefix.h"
#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

TEST(TopKeys, KeepsTheLargestAndFindsThem) {
  TopKeys top(3);
  EXPECT_EQ(top.find(1), TopKeys::kNone);
  EXPECT_NE(top.insert(1, 10), TopKeys::kNone);
  EXPECT_NE(top.insert(2, 5), TopKeys::kNone);
  EXPECT_NE(top.insert(3, 7), TopKeys::kNone);
  EXPECT_TRUE(top.full());
  EXPECT_EQ(top.minCount(), 5u);
  EXPECT_EQ(top.insert(4, 5), TopKeys::kNone);  // must beat the minimum, not tie it
  uint32_t slot = top.insert(4, 6);
  ASSERT_NE(slot, TopKeys::kNone);
  EXPECT_EQ(top.find(2), TopKeys::kNone);
  EXPECT_EQ(top.find(4), slot);
  EXPECT_EQ(top.minCount(), 6u);
  top.update(top.find(4), 20);
  EXPECT_EQ(top.minCount(), 7u);
  top.update(top.find(1), 1);
  EXPECT_EQ(top.minCount(), 1u);
  top.clear();
  EXPECT_EQ(top.size(), 0u);
  EXPECT_EQ(top.find(4), TopKeys::kNone);
}

// Against a reference model, with enough churn that the index's backward-shift deletes run over
// wrapped probe sequences many times.
TEST(TopKeys, MatchesAReferenceUnderChurn) {
  TopKeys top(16);
  std::map<uint64_t, uint32_t> model;  // what the list should hold
  std::mt19937_64 rng(3);
  for (int step = 0; step < 200'000; ++step) {
    uint64_t key = rng() % 64;
    uint32_t count = static_cast<uint32_t>(rng() % 1000);
    uint32_t slot = top.find(key);
    ASSERT_EQ(slot != TopKeys::kNone, model.count(key) == 1) << step;
    if (slot != TopKeys::kNone) {
      top.update(slot, count);
      model[key] = count;
      continue;
    }
    uint32_t min = UINT32_MAX;
    for (const auto& [k, c] : model) min = std::min(min, c);
    slot = top.insert(key, count);
    if (model.size() < 16) {
      ASSERT_NE(slot, TopKeys::kNone);
      model[key] = count;
    } else if (count > min) {
      ASSERT_NE(slot, TopKeys::kNone);
      // Some entry with the minimum count went; which one, among equals, is the list's choice.
      auto gone = std::find_if(model.begin(), model.end(), [&](const auto& kv) {
        return kv.second == min && top.find(kv.first) == TopKeys::kNone;
      });
      ASSERT_NE(gone, model.end());
      model.erase(gone);
      model[key] = count;
    } else {
      ASSERT_EQ(slot, TopKeys::kNone);
    }
    ASSERT_EQ(top.size(), model.size());
    ASSERT_EQ(top.minCount(), std::min_element(model.begin(), model.end(), [](auto& a, auto& b) {
                                return a.second < b.second;
                              })->second);
  }
}

TEST(HeavyHitters, FindsTheHeavyKeysWithTheirPayloads) {
  HeavyHitters<IpKey> hh(4, 1 << 10, 4);
  for (uint32_t i = 0; i < 1000; ++i) {
    IpKey light = IpKey::fromV4(0x0a000000 + i);
    hh.offer(hashKey(light, 0), light);
    if (i % 2 == 0) hh.offer(1, IpKey::fromV4(0x01010101));
    if (i % 4 == 0) hh.offer(2, IpKey::fromV4(0x02020202));
  }
  auto top = hh.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].key, 1u);
  EXPECT_EQ(top[0].payload.toString(), "1.1.1.1");
  EXPECT_GE(top[0].count, 500u);
  EXPECT_EQ(top[1].key, 2u);
  EXPECT_EQ(top[1].payload.toString(), "2.2.2.2");
  EXPECT_GE(top[1].count, 250u);
  EXPECT_EQ(hh.total(), 1000u + 500 + 250);
}

TEST(HeavyHitters, DecayFadesAndResetForgets) {
  HeavyHitters<int> hh(2, 1 << 8, 3);
  hh.offer(5, 0, 100);
  hh.decay();
  ASSERT_EQ(hh.top(1).size(), 1u);
  EXPECT_EQ(hh.top(1)[0].count, 50u);
  // A newcomer with 60 now outranks the faded 50.
  hh.offer(6, 0, 60);
  EXPECT_EQ(hh.top(1)[0].key, 6u);
  hh.reset();
  EXPECT_TRUE(hh.top(5).empty());
  EXPECT_EQ(hh.total(), 0u);
}

TEST(HeavyHitters, MergeRefusesIncompatibleCopies) {
  HeavyHitters<int> a(8, 1 << 8, 3, 1), other_seed(8, 1 << 8, 3, 2), other_k(9, 1 << 8, 3, 1);
  EXPECT_FALSE(a.merge(other_seed));
  EXPECT_FALSE(a.merge(other_k));
}

TEST(HeavyHitters, OfferAllocatesNothing) {
  HeavyHitters<uint64_t> hh(64, 1 << 12, 4);
  testing::AllocationCounter counter;
  for (uint64_t i = 0; i < 20'000; ++i) hh.offer(i % 3000, i, 1 + i % 5);
  EXPECT_EQ(counter.count(), 0u);
}

// Zipf(s) over ranks 0..n-1 by rejection-inversion (Hörmann & Derflinger 1996, as in Apache
// Commons RNG): a few logs and exps a draw and no table, so drawing ten million samples stays in
// cache; an alias table for a million ranks missed the cache on every draw.
class ZipfSampler {
 public:
  ZipfSampler(uint32_t n, double s)
      : n_(n),
        s_(s),
        h_x1_(hIntegral(1.5) - 1),
        h_n_(hIntegral(n + 0.5)),
        squeeze_(2 - hIntegralInverse(hIntegral(2.5) - h(2))) {}

  uint32_t operator()(uint64_t& state) const {
    for (;;) {
      double u = h_n_ + uniform(state) * (h_x1_ - h_n_);
      double x = hIntegralInverse(u);
      double k = std::clamp(std::floor(x + 0.5), 1.0, static_cast<double>(n_));
      if (k - x <= squeeze_ || u >= hIntegral(k + 0.5) - h(k)) return static_cast<uint32_t>(k) - 1;
    }
  }

 private:
  double h(double x) const { return std::exp(-s_ * std::log(x)); }
  double hIntegral(double x) const {
    double lx = std::log(x);
    return helper2((1 - s_) * lx) * lx;
  }
  double hIntegralInverse(double x) const {
    double t = std::max(x * (1 - s_), -1.0);
    return std::exp(helper1(t) * x);
  }
  static double helper1(double x) {  // log1p(x) / x
    return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
  }
  static double helper2(double x) {  // expm1(x) / x
    return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
  }
  static double uniform(uint64_t& state) {  // splitmix64, 53 bits
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }

  uint32_t n_;
  double s_, h_x1_, h_n_, squeeze_;
};

// Checks a reported top-20 against the truth: every true top-20 key is reported, except that at
// the boundary a key may trade places with one whose true count is within the error bound.
void expectTopTwenty(const std::vector<HeavyHitters<uint32_t>::Hitter>& reported,
                     const std::vector<uint32_t>& truth, const std::vector<uint32_t>& by_count,
                     uint64_t bound, const char* who) {
  ASSERT_EQ(reported.size(), 20u) << who;
  const uint32_t twenty_first = truth[by_count[20]];
  int exact = 0;
  for (int i = 0; i < 20; ++i) {
    uint32_t rank = by_count[i];
    bool found = std::any_of(reported.begin(), reported.end(),
                             [&](const auto& h) { return h.payload == rank; });
    exact += found;
    if (!found) {
      EXPECT_LE(truth[rank] - twenty_first, bound) << who << " missed rank " << rank;
    }
  }
  uint32_t worst = 0;
  for (const auto& h : reported) {
    EXPECT_GE(h.count, truth[h.payload]) << who;
    EXPECT_LE(h.count - truth[h.payload], bound) << who;
    worst = std::max(worst, h.count - truth[h.payload]);
  }
  std::printf(
      "[ heavy hitters ] %s: %d of the true top 20 reported; worst overestimate %u, bound "
      "e/w*N = %llu\n",
      who, exact, worst, static_cast<unsigned long long>(bound));
}

// Ten million items from a million distinct keys (Zipf, s = 1), fed to one HeavyHitters and, in
// turn, to four per-worker copies that are merged afterwards, as the detector does each tick.
TEST(HeavyHitters, ZipfStreamTopTwentySingleAndMerged) {
  const uint32_t distinct = static_cast<uint32_t>(testing::scaled(1'000'000));
  const uint64_t items = testing::scaled(10'000'000);
  const uint32_t kK = 64, kWidth = 1 << 14, kDepth = 4;
  ZipfSampler zipf(distinct, 1.0);
  std::vector<uint32_t> truth(distinct);
  HeavyHitters<uint32_t> single(kK, kWidth, kDepth, 9);
  std::vector<HeavyHitters<uint32_t>> workers(4, HeavyHitters<uint32_t>(kK, kWidth, kDepth, 9));

  uint64_t state = 12345;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < items; ++i) {
    uint32_t rank = zipf(state);
    ++truth[rank];
    uint64_t key = mix64(rank + 1);
    single.offer(key, rank);
    workers[i % 4].offer(key, rank);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  HeavyHitters<uint32_t> merged = workers[0];
  for (int w = 1; w < 4; ++w) ASSERT_TRUE(merged.merge(workers[w]));

  std::vector<uint32_t> by_count(distinct);
  for (uint32_t i = 0; i < distinct; ++i) by_count[i] = i;
  std::partial_sort(by_count.begin(), by_count.begin() + 21, by_count.end(),
                    [&](uint32_t a, uint32_t b) { return truth[a] > truth[b]; });
  std::printf(
      "[ heavy hitters ] %llu items, %u distinct: %.1f ns per item (both feeds); "
      "sketch %.1f MiB each; top count %u, 20th %u\n",
      static_cast<unsigned long long>(items), distinct,
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(items),
      testing::mib(single.sketch().memoryBytes()), truth[by_count[0]], truth[by_count[19]]);

  EXPECT_EQ(single.total(), items);
  EXPECT_EQ(merged.total(), items);
  expectTopTwenty(single.top(20), truth, by_count, single.errorBound(), "single");
  expectTopTwenty(merged.top(20), truth, by_count, merged.errorBound(), "4 workers merged");
}

}  // namespace
}  // namespace floodgate::shield
