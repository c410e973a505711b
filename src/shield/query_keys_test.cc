#include "shield/query_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace floodgate::shield {
namespace {

// A tick's merged sketch of the word-like keys known-good clients sent: `each` times each key.
HeavyHitters<uint8_t> keysSent(const std::vector<std::string>& keys, uint32_t each) {
  HeavyHitters<uint8_t> sketch(64, 512, 4, 9);
  for (const auto& k : keys) sketch.offer(queryKeyHash(k, 1), 0, each);
  return sketch;
}

TEST(QueryKeyLearner, LearnsTheRegularsKeysAfterItsWarmUpAndOnlyFromCalmTicks) {
  QueryKeyLearner learner(3, 3);
  const auto regular = keysSent({"q", "page"}, 50);
  EXPECT_FALSE(learner.learn(regular, 100, false));
  EXPECT_FALSE(learner.learn(regular, 100, false));
  EXPECT_EQ(learner.snapshot(), nullptr);  // still warming up: keys kept as they are
  EXPECT_TRUE(learner.learn(regular, 100, false));
  ASSERT_NE(learner.snapshot(), nullptr);
  EXPECT_TRUE(learner.snapshot()->contains(queryKeyHash("q", 1)));
  EXPECT_TRUE(learner.snapshot()->contains(queryKeyHash("page", 1)));
  EXPECT_FALSE(learner.learn(regular, 100, false));  // nothing new: the same snapshot
  // A key sent once or twice (one client's oddity) is not learned.
  EXPECT_FALSE(learner.learn(keysSent({"utm"}, 2), 100, false));
  EXPECT_FALSE(learner.snapshot()->contains(queryKeyHash("utm", 1)));
  // During an anomaly nothing is learned, however often it is sent.
  EXPECT_FALSE(learner.learn(keysSent({"qzkwv"}, 500), 100, true));
  EXPECT_FALSE(learner.snapshot()->contains(queryKeyHash("qzkwv", 1)));
  EXPECT_TRUE(learner.learn(keysSent({"sort"}, 10), 100, false));
  EXPECT_TRUE(learner.snapshot()->contains(queryKeyHash("sort", 1)));
  EXPECT_EQ(learner.snapshot()->size(), 3u);
}

TEST(QueryKeyLearner, TicksWithoutKnownGoodTrafficDoNotCountTowardsItsWarmUp) {
  QueryKeyLearner learner(2, 3);
  const auto none = keysSent({}, 0);
  for (int t = 0; t < 10; ++t) EXPECT_FALSE(learner.learn(none, 0, false));
  EXPECT_EQ(learner.snapshot(), nullptr);
  EXPECT_FALSE(learner.learn(none, 10, false));
  EXPECT_TRUE(learner.learn(none, 10, false));  // ready: an empty set, every word key shaped
  ASSERT_NE(learner.snapshot(), nullptr);
  EXPECT_EQ(learner.snapshot()->size(), 0u);
  EXPECT_FALSE(learner.snapshot()->full());
}

TEST(QueryKeyLearner, TheSetIsBoundedAndOnlyGrows) {
  QueryKeyLearner learner(1, 1);
  for (int round = 0; round < 10; ++round) {
    std::vector<std::string> keys;
    for (int i = 0; i < 64; ++i) keys.push_back("k" + std::to_string(round * 64 + i));
    learner.learn(keysSent(keys, 5), 100, false);
  }
  ASSERT_NE(learner.snapshot(), nullptr);
  EXPECT_EQ(learner.snapshot()->size(), QueryKeys::kMax);
  EXPECT_TRUE(learner.snapshot()->full());  // the workers stop recording keys
  // The first keys learned stay: dropping one would change its users' fingerprint.
  EXPECT_TRUE(learner.snapshot()->contains(queryKeyHash("k0", 1)));
  EXPECT_FALSE(learner.snapshot()->contains(queryKeyHash("k639", 1)));
}

}  // namespace
}  // namespace floodgate::shield
