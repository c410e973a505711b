// SlotSets: the storage of the shield's fixed per-client tables (ConnectionLimiter,
// SharedRateLimiter, KnownGoodSet): a power-of-two count of cache-line sets of kWays atomic
// 64-bit slots, each zero to begin with, lock-free from any thread.
//
// Mapped anonymous and never written here: until a slot of a page is first stored to, the
// kernel backs the page with its shared zero page. A table sized for millions of clients then
// holds resident memory for the sets its clients have hashed to, never more than its size; an
// array constructed and zeroed was resident whole before its first client (three tables of
// 2 MiB with the default 2^18 slots, a third of an idle gateway's anonymous memory).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace floodgate::shield {

class SlotSets {
 public:
  static constexpr size_t kWays = 8;
  struct alignas(64) Set {
    std::atomic<uint64_t> slot[kWays];
  };

  // The sets for at least `slots` slots (a power of two of sets, one at least).
  static size_t setsFor(size_t slots);

  // `count` sets, every slot 0. Throws std::bad_alloc when the mapping fails.
  explicit SlotSets(size_t count);
  ~SlotSets();
  SlotSets(const SlotSets&) = delete;
  SlotSets& operator=(const SlotSets&) = delete;

  Set& operator[](size_t i) const { return sets_[i]; }
  size_t count() const { return count_; }
  size_t slots() const { return count_ * kWays; }
  size_t memoryBytes() const { return count_ * sizeof(Set); }
  // Slots holding something other than 0: a scan of the whole table (control side, tests).
  size_t occupied() const;

 private:
  Set* sets_ = nullptr;
  size_t count_ = 0;
  size_t mapped_ = 0;  // bytes, whole pages
};

}  // namespace floodgate::shield
