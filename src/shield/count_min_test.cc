#include "shield/count_min.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

TEST(CountMinSketch, ShapeAndBounds) {
  CountMinSketch s(1000, 4);
  EXPECT_EQ(s.width(), 1024u);
  EXPECT_EQ(s.depth(), 4u);
  EXPECT_EQ(s.memoryBytes(), 1024u * 4 * 4);
  EXPECT_NEAR(s.epsilon(), 2.71828 / 1024, 1e-6);
  EXPECT_NEAR(s.delta(), 0.0183, 1e-4);
  EXPECT_EQ(CountMinSketch(0, 0).depth(), 1u);
  EXPECT_EQ(CountMinSketch(1, 99).depth(), CountMinSketch::kMaxDepth);
}

TEST(CountMinSketch, ExactWhenSparse) {
  CountMinSketch s(1 << 12, 4);
  EXPECT_EQ(s.add(1), 1u);
  EXPECT_EQ(s.add(1), 2u);
  EXPECT_EQ(s.add(2, 10), 10u);
  EXPECT_EQ(s.estimate(1), 2u);
  EXPECT_EQ(s.estimate(2), 10u);
  EXPECT_EQ(s.estimate(3), 0u);
  EXPECT_EQ(s.total(), 12u);
}

// A skewed stream into a small sketch: estimates never undercount, and stay within the bound
// (the bound may fail with probability delta per key; conservative update makes that rare).
TEST(CountMinSketch, NeverUndercountsAndStaysWithinBound) {
  CountMinSketch s(1 << 10, 4, 17);
  std::unordered_map<uint64_t, uint32_t> truth;
  std::mt19937_64 rng(1);
  std::geometric_distribution<uint64_t> skewed(0.001);
  for (int i = 0; i < 200'000; ++i) {
    uint64_t k = skewed(rng);
    s.add(k);
    ++truth[k];
  }
  size_t over_bound = 0;
  for (const auto& [k, n] : truth) {
    uint32_t e = s.estimate(k);
    ASSERT_GE(e, n);
    over_bound += e - n > s.errorBound();
  }
  EXPECT_LE(over_bound, static_cast<size_t>(s.delta() * truth.size()) + 1);
}

TEST(CountMinSketch, MergeSumsAndRefusesOtherShapes) {
  CountMinSketch a(1 << 10, 4, 1), b(1 << 10, 4, 1);
  a.add(7, 5);
  b.add(7, 3);
  b.add(8, 2);
  ASSERT_TRUE(a.merge(b));
  EXPECT_EQ(a.estimate(7), 8u);
  EXPECT_EQ(a.estimate(8), 2u);
  EXPECT_EQ(a.total(), 10u);

  CountMinSketch wider(1 << 11, 4, 1), reseeded(1 << 10, 4, 2), deeper(1 << 10, 5, 1);
  EXPECT_FALSE(a.merge(wider));
  EXPECT_FALSE(a.merge(reseeded));
  EXPECT_FALSE(a.merge(deeper));
  EXPECT_EQ(a.estimate(7), 8u);  // unchanged
}

TEST(CountMinSketch, DecayHalvesAndResetClears) {
  CountMinSketch s(1 << 8, 3);
  s.add(1, 100);
  s.add(2, 7);
  s.decay();
  EXPECT_EQ(s.estimate(1), 50u);
  EXPECT_EQ(s.estimate(2), 3u);
  EXPECT_EQ(s.total(), 53u);
  s.reset();
  EXPECT_EQ(s.estimate(1), 0u);
  EXPECT_EQ(s.total(), 0u);
}

TEST(CountMinSketch, SaturatesInsteadOfWrapping) {
  CountMinSketch s(8, 2);
  s.add(1, UINT32_MAX - 1);
  EXPECT_EQ(s.add(1, 10), UINT32_MAX);
  CountMinSketch t(8, 2);
  t.add(1, 10);
  ASSERT_TRUE(s.merge(t));
  EXPECT_EQ(s.estimate(1), UINT32_MAX);
}

TEST(CountMinSketch, AddAllocatesNothing) {
  CountMinSketch s(1 << 12, 4);
  testing::AllocationCounter counter;
  for (uint64_t i = 0; i < 10'000; ++i) s.add(i * 31);
  EXPECT_EQ(counter.count(), 0u);
}

}  // namespace
}  // namespace floodgate::shield
