// QueryKeys: the query keys regular clients use, learned from known-good traffic, so the request
// fingerprint keeps a real key ("?q", "?page") as it is and shapes any other word-like key
// ("?qzkwv", a cache buster's random letters) to one placeholder. Immutable once built: it
// travels to the workers in the rules snapshot and is read with no lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "shield/heavy_hitters.h"

namespace floodgate::shield {

// What a query key is filed under, in QueryKeys and in the observation's sketch.
uint64_t queryKeyHash(std::string_view key, uint64_t seed);

class QueryKeys {
 public:
  static constexpr size_t kMax = 256;

  explicit QueryKeys(std::vector<uint64_t> hashes);  // sorted and cut to kMax here
  bool contains(uint64_t hash) const;                // request path: a binary search
  size_t size() const { return hashes_.size(); }
  // The set cannot grow (the learner stops at kMax): the workers stop recording keys.
  bool full() const { return hashes_.size() >= kMax; }

 private:
  std::vector<uint64_t> hashes_;
};

// Control thread. Each calm tick it reads the word-like query keys known-good clients sent (the
// merged observation's top list); a key sent at least `min_count` times in the tick joins the
// set. The set only grows, up to QueryKeys::kMax: a key leaving it would change its users'
// fingerprint under the detector (a new shape with no baseline). Nothing is learned during an
// anomaly. The snapshot is null — fingerprints keep every key as it is — until `warmup_ticks`
// calm ticks with known-good traffic have passed: before that an unknown key may be a regular's.
class QueryKeyLearner {
 public:
  explicit QueryKeyLearner(uint32_t warmup_ticks = 10, uint32_t min_count = 3)
      : warmup_ticks_(warmup_ticks), min_count_(min_count) {}

  // True when snapshot() changed.
  bool learn(const HeavyHitters<uint8_t>& known_good_keys, uint64_t known_good_requests,
             bool anomaly);
  std::shared_ptr<const QueryKeys> snapshot() const { return snapshot_; }

 private:
  uint32_t warmup_ticks_;
  uint32_t min_count_;
  uint32_t calm_ticks_ = 0;
  std::vector<uint64_t> learned_;
  std::shared_ptr<const QueryKeys> snapshot_;
};

}  // namespace floodgate::shield
