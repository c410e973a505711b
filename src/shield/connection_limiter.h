// ConnectionLimiter: per-source caps on concurrent connections and on new connections per second,
// checked at accept before a byte is read. One fixed-size table shared by all workers, so a
// source's connections count together whichever worker accepted them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "shield/ip_prefix.h"
#include "shield/slot_sets.h"

namespace floodgate::shield {

struct ConnectionCaps {
  uint32_t max_concurrent = 0;      // per source; 0: no cap
  uint32_t max_new_per_second = 0;  // per source, per wall second of the monotonic clock; 0: no cap
};

enum class OpenVerdict : uint8_t { kAllowed, kTooManyConcurrent, kTooManyNew };
const char* verdictName(OpenVerdict verdict);

struct OpenDecision {
  bool allowed = true;
  OpenVerdict reason = OpenVerdict::kAllowed;
  // Whether this connection was counted. Call close() when it ends only if it was; an
  // untracked connection (its set full of sources with live connections) was let through.
  bool tracked = false;
};

// Each slot is one 64-bit atomic word — a 22-bit key tag, the live connection count (14 bits),
// and the new-connection count (14 bits) of the second named by a 14-bit stamp — updated with
// compare-exchange, so the two counts and the owner always change together. Slots are grouped in
// sets of 8 (one cache line).
//
// Eviction, when a new source finds its set full:
//  - a slot with live connections is never evicted: close() must find its count again;
//  - otherwise the slot idle longest is taken: a past second before the current one, then the
//    fewest new connections this second. Forgetting those counts can only admit more.
//  - if all eight hold live connections the new one is let through untracked (counted in
//    untracked()). Accepted TCP sources are real addresses, so this needs 8 × sets sources
//    holding connections at once; the global connection limit is the backstop there.
// Counts above 16383 cannot be stored: such caps mean "no cap", and a source already holding
// 16383 connections gets further ones untracked.
// Tag collisions (8 in 2^22 per new source, seeded) are the one way one source's counts could
// reach another; the stamp repeats every 16384 s (4.5 h), which sweep() makes harmless.
class ConnectionLimiter {
 public:
  static constexpr size_t kWays = SlotSets::kWays;
  static constexpr uint32_t kCountMax = (1u << 14) - 1;

  // `slots` rounded up to a power of two (at least one set); 8 bytes each, all allocated here
  // (SlotSets: resident as clients arrive). `seed` keys the hash (random per process in
  // production).
  ConnectionLimiter(size_t slots, ConnectionCaps caps, uint64_t seed);

  // Lock-free, no allocation, any thread.
  OpenDecision tryOpen(const IpKey& source, MonoTime now);
  void close(const IpKey& source);

  // Takes effect for the next tryOpen on every thread (config reload).
  void setCaps(ConnectionCaps caps);
  ConnectionCaps caps() const;

  // Frees slots idle since before the last second and restamps old counts of slots holding
  // connections, so a 4.5-hour-old count is never read as this second's. Control side, every
  // few minutes; safe alongside workers. Returns the slots freed.
  size_t sweep(MonoTime now);

  // Live connections counted for a source, and in the whole table (scans: control side, tests).
  uint32_t concurrent(const IpKey& source) const;
  uint64_t liveConnections() const;
  size_t occupied() const { return sets_.occupied(); }
  uint64_t untracked() const { return untracked_.load(std::memory_order_relaxed); }
  size_t slots() const { return sets_.slots(); }
  size_t memoryBytes() const { return sets_.memoryBytes(); }

 private:
  using Set = SlotSets::Set;

  Set& setOf(uint64_t h) const { return sets_[h & set_mask_]; }

  SlotSets sets_;  // resident where clients hashed to, not whole
  uint64_t set_mask_ = 0;
  uint64_t seed_ = 0;
  std::atomic<uint64_t> caps_{0};  // max_concurrent << 32 | max_new_per_second
  std::atomic<uint64_t> untracked_{0};
};

}  // namespace floodgate::shield
