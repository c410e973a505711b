#include "shield/query_keys.h"

#include <algorithm>

#include "shield/ip_prefix.h"

namespace floodgate::shield {

uint64_t queryKeyHash(std::string_view key, uint64_t seed) {
  // FNV-1a, then a finaliser: keys are short, and the seed keeps the set's hashes unguessable.
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

QueryKeys::QueryKeys(std::vector<uint64_t> hashes) : hashes_(std::move(hashes)) {
  std::sort(hashes_.begin(), hashes_.end());
  hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
  if (hashes_.size() > kMax) hashes_.resize(kMax);
}

bool QueryKeys::contains(uint64_t hash) const {
  return std::binary_search(hashes_.begin(), hashes_.end(), hash);
}

bool QueryKeyLearner::learn(const HeavyHitters<uint8_t>& known_good_keys,
                            uint64_t known_good_requests, bool anomaly) {
  if (anomaly) return false;
  bool changed = false;
  for (const auto& h : known_good_keys.top(QueryKeys::kMax)) {
    if (learned_.size() >= QueryKeys::kMax) break;
    if (h.count < min_count_) continue;
    if (std::find(learned_.begin(), learned_.end(), h.key) != learned_.end()) continue;
    learned_.push_back(h.key);
    changed = true;
  }
  if (known_good_requests > 0 && calm_ticks_ < warmup_ticks_) ++calm_ticks_;
  if (calm_ticks_ < warmup_ticks_) return false;
  if (!changed && snapshot_ != nullptr) return false;
  snapshot_ = std::make_shared<const QueryKeys>(learned_);
  return true;
}

}  // namespace floodgate::shield
