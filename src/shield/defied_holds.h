// DefiedHolds: the sources that sent to a tarpitted connection before its Retry-After had passed
// (a client that honours Retry-After never does), each with the end of its latest such hold — what
// the kernel drop's escalation counts besides the 429s, since a held flooder draws few of them.
// Fixed memory, no allocation: of more sources than fit, the ones with the smallest hashes are
// kept, so the same ones are seen tick after tick (and escalated) instead of a random few.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/clock.h"
#include "shield/ip_prefix.h"

namespace floodgate::shield {

class DefiedHolds {
 public:
  static constexpr uint32_t kCapacity = 64;

  struct Entry {
    uint64_t hash = 0;  // the source's key: orders the kept ones
    IpKey source;
    MonoTime until{};  // the latest end of a hold it defied
  };

  // `hash`: the source's seeded key (WorkerObservation::sourceKey). Rare: once per defied hold.
  void record(uint64_t hash, const IpKey& source, MonoTime until) {
    for (uint32_t i = 0; i < size_; ++i) {
      if (entries_[i].hash == hash && entries_[i].source == source) {
        entries_[i].until = std::max(entries_[i].until, until);
        return;
      }
    }
    if (size_ < kCapacity) {
      entries_[size_++] = {hash, source, until};
      return;
    }
    Entry* largest = std::max_element(entries_.begin(), entries_.end(), byHash);
    if (hash < largest->hash) *largest = {hash, source, until};
  }
  void merge(const DefiedHolds& other) {
    for (uint32_t i = 0; i < other.size_; ++i) {
      record(other.entries_[i].hash, other.entries_[i].source, other.entries_[i].until);
    }
  }
  void reset() { size_ = 0; }

  const Entry* begin() const { return entries_.data(); }
  const Entry* end() const { return entries_.data() + size_; }
  uint32_t size() const { return size_; }

 private:
  static bool byHash(const Entry& a, const Entry& b) { return a.hash < b.hash; }

  std::array<Entry, kCapacity> entries_{};
  uint32_t size_ = 0;
};

}  // namespace floodgate::shield
