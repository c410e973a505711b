// SharedRateLimiter: per-key token buckets that hold across worker threads, in a fixed-size
// table of lock-free slots. A client spread over many connections and workers gets its limit
// once, not once per worker, and ten million distinct keys cost no more memory than ten.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "shield/slot_sets.h"

namespace floodgate::shield {

// A limit in the table's integer units. Build it once (config load), pass it on every admit.
struct RateSpec {
  uint64_t interval_us = 1'000'000;  // the refill time of one token
  uint64_t capacity_us = 1'000'000;  // burst × interval

  // rate tokens per second and a burst of tokens. The burst is at least 1 and burst/rate is
  // capped at kMaxCapacityUs (about 19 hours); rates are exact to 0.5% up to 10k per second.
  static RateSpec perSecond(double rate, double burst);
  static constexpr uint64_t kMaxCapacityUs = uint64_t{1} << 36;

  double rate() const { return 1e6 / static_cast<double>(interval_us); }
  double burst() const { return static_cast<double>(capacity_us) / interval_us; }
};

struct RateDecision {
  bool allowed = true;
  uint32_t retry_after_ms = 0;  // when denied: until the request would pass (UINT32_MAX: never)
};

// Each slot is one 64-bit atomic word: a 24-bit key tag and a 40-bit "theoretical arrival time"
// in microseconds (the GCRA form of a token bucket, as in TokenBucket: the time at which the
// bucket is full again; tokens = (capacity - (tat - now)) / interval). One number instead of a
// token count plus a refill stamp leaves room for a wide tag, and an admit is one load of a
// cache line plus one compare-exchange. Slots are grouped in sets of 8 — one 64-byte cache line;
// a key's hash picks its set and its tag.
//
// When a new key arrives at a full set it takes the slot that will be full again soonest: that
// slot's state is the closest to a fresh bucket, so forgetting it gives its owner the least
// extra. A heavy hitter's drained slot is the last to go, so a spray of one-shot keys does not
// reset the heavy hitter's limit until the set is full of keys more drained than it.
//
// Trade-off: everything that goes wrong errs toward letting a client through, never toward
// blocking an innocent one because of someone else's key.
//  - Eviction: an evicted key comes back to a fresh, full bucket (at most one extra burst).
//  - Races: two threads inserting the same new key at once may take two slots; the copies
//    split its traffic (more admitted) until the unused one ages out.
//  - Tag collisions: the one way another's state can reach a client. Two keys share a slot only
//    if they pick the same set and the same 24-bit tag: 8/2^24 (one in two million) per new key,
//    and with a seeded hash an attacker cannot aim at a victim's slot.
//  - Time wraps every 2^40 µs (12.7 days); a slot untouched that long reads as full (or, with
//    odds of burst/2^40 µs, as its own stale drain).
class SharedRateLimiter {
 public:
  static constexpr size_t kWays = SlotSets::kWays;

  // `slots` is rounded up to a power of two, at least one set. All memory is allocated here,
  // 8 bytes a slot (2^20 slots: 8 MiB), and resident as clients arrive (SlotSets).
  explicit SharedRateLimiter(size_t slots);

  // Takes `cost` tokens from the bucket of `key_hash` (a well-mixed 64-bit hash of the client,
  // e.g. hashKey() with a per-process seed, optionally combined with a route id). Safe to call
  // from any number of threads at once; lock-free, no allocation.
  RateDecision admit(uint64_t key_hash, const RateSpec& spec, MonoTime now, uint32_t cost = 1);

  size_t slots() const { return sets_.slots(); }
  size_t memoryBytes() const { return sets_.memoryBytes(); }
  // Slots holding a key (a scan of the whole table: control side, tests).
  size_t occupied() const { return sets_.occupied(); }

 private:
  using Set = SlotSets::Set;

  SlotSets sets_;  // resident where clients hashed to, not whole
  uint64_t set_mask_ = 0;
};

}  // namespace floodgate::shield
