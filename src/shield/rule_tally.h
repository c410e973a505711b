// RuleTally: per-rule counts a worker keeps on the request path — how many requests each live
// rule matched, and how many it was enforced on, with the known-good share of each — so the
// governor's gates can judge a rule in shadow or canary without the rule having acted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace floodgate::shield {

struct RuleCounts {
  uint64_t matched = 0;             // requests the rule matched, enforced or not
  uint64_t matched_known_good = 0;  // of them, from known-good clients
  uint64_t enforced = 0;            // requests it decided (its action applied)
  uint64_t enforced_known_good = 0;

  void add(const RuleCounts& o) {
    matched += o.matched;
    matched_known_good += o.matched_known_good;
    enforced += o.enforced;
    enforced_known_good += o.enforced_known_good;
  }
};

// Fixed slots (the governor gives each live rule one); 8 KiB, no allocation after construction.
class RuleTally {
 public:
  static constexpr size_t kSlots = 256;
  static constexpr uint16_t kNone = UINT16_MAX;  // a rule with no slot is not counted

  RuleCounts& at(uint16_t slot) { return counts_[slot]; }
  const RuleCounts& at(uint16_t slot) const { return counts_[slot]; }
  void merge(const RuleTally& other) {
    for (size_t i = 0; i < kSlots; ++i) counts_[i].add(other.counts_[i]);
  }
  void reset() { counts_.fill(RuleCounts{}); }

 private:
  std::array<RuleCounts, kSlots> counts_{};
};

}  // namespace floodgate::shield
