#include "shield/rate_limit_table.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "shield/ip_prefix.h"

namespace floodgate::shield {
namespace {

constexpr int kTimeBits = 40;
constexpr uint64_t kTimeMask = (uint64_t{1} << kTimeBits) - 1;
// A slot's tat may run ahead of now by at most the capacity, plus however far another thread's
// `now` lags ours. Anything further ahead is a wrapped, stale stamp: treat it as a full bucket.
constexpr int64_t kStaleAhead = int64_t{1} << 37;

uint64_t tagOf(uint64_t word) { return word >> kTimeBits; }
uint64_t pack(uint64_t tag, uint64_t tat_us) { return (tag << kTimeBits) | (tat_us & kTimeMask); }

uint64_t nowMicros(MonoTime now) {
  return static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch())
                 .count()) &
         kTimeMask;
}

// tat - now as a signed number, modulo the 40-bit wrap.
int64_t aheadOf(uint64_t word, uint64_t now_us) {
  uint64_t d = (word - now_us) & kTimeMask;
  return static_cast<int64_t>(d << (64 - kTimeBits)) >> (64 - kTimeBits);
}

// How far ahead of now the bucket is drained, 0 when full.
int64_t drainOf(uint64_t word, uint64_t now_us) {
  int64_t ahead = aheadOf(word, now_us);
  return ahead < 0 || ahead > kStaleAhead ? 0 : ahead;
}

uint32_t ceilMillis(uint64_t us) {
  return static_cast<uint32_t>(std::min<uint64_t>((us + 999) / 1000, UINT32_MAX - 1));
}

}  // namespace

RateSpec RateSpec::perSecond(double rate, double burst) {
  if (!(rate > 0)) rate = 1e-6;
  if (!(burst >= 1)) burst = 1;
  double interval = std::clamp(std::round(1e6 / rate), 1.0, static_cast<double>(kMaxCapacityUs));
  RateSpec spec;
  spec.interval_us = static_cast<uint64_t>(interval);
  spec.capacity_us = static_cast<uint64_t>(
      std::min(std::round(burst * interval), static_cast<double>(kMaxCapacityUs)));
  spec.capacity_us = std::max(spec.capacity_us, spec.interval_us);
  return spec;
}

SharedRateLimiter::SharedRateLimiter(size_t slots)
    : sets_(SlotSets::setsFor(slots)), set_mask_(sets_.count() - 1) {}

RateDecision SharedRateLimiter::admit(uint64_t key_hash, const RateSpec& spec, MonoTime now,
                                      uint32_t cost) {
  // Re-mixed so that a caller's weaker hash (or a raw IPv4 address) still spreads over sets.
  const uint64_t h = mix64(key_hash);
  Set& set = sets_[h & set_mask_];
  const uint64_t tag = std::max<uint64_t>(h >> kTimeBits, 1);  // 0 marks an empty slot
  const uint64_t now_us = nowMicros(now);
  if (spec.interval_us != 0 && cost > spec.capacity_us / spec.interval_us) {
    return {false, std::numeric_limits<uint32_t>::max()};  // more than a full bucket: never
  }
  const uint64_t need = spec.interval_us * cost;

  // Relaxed ordering throughout: each slot word is the whole state of its bucket and publishes
  // nothing else, so there is no other memory for an acquire to order.
  for (;;) {
    int victim = 0;
    int64_t victim_drain = std::numeric_limits<int64_t>::max();
    uint64_t victim_word = 0;
    int found = -1;
    uint64_t word = 0;
    for (int w = 0; w < static_cast<int>(kWays); ++w) {
      word = set.slot[w].load(std::memory_order_relaxed);
      if (tagOf(word) == tag) {
        found = w;
        break;
      }
      int64_t drain = word == 0 ? -1 : drainOf(word, now_us);
      if (drain < victim_drain) {
        victim = w;
        victim_drain = drain;
        victim_word = word;
      }
    }

    if (found < 0) {
      // A new key, or one that was evicted: a fresh, full bucket less this request.
      if (set.slot[victim].compare_exchange_weak(victim_word, pack(tag, now_us + need),
                                                 std::memory_order_relaxed)) {
        return {true, 0};
      }
      continue;  // the set changed under us (perhaps this very key arrived): look again
    }

    const uint64_t next = static_cast<uint64_t>(drainOf(word, now_us)) + need;
    if (next > spec.capacity_us) return {false, ceilMillis(next - spec.capacity_us)};
    if (set.slot[found].compare_exchange_weak(word, pack(tag, now_us + next),
                                              std::memory_order_relaxed)) {
      return {true, 0};
    }
  }
}

}  // namespace floodgate::shield
