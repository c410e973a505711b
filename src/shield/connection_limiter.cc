#include "shield/connection_limiter.h"

#include <algorithm>
#include <bit>

namespace floodgate::shield {
namespace {

// Slot word, high to low: tag 22 | live 14 | stamp 14 | count 14.
constexpr int kCountBits = 14;
constexpr uint64_t kFieldMask = (uint64_t{1} << kCountBits) - 1;
constexpr int kStampShift = kCountBits;
constexpr int kLiveShift = 2 * kCountBits;
constexpr int kTagShift = 3 * kCountBits;

struct Fields {
  uint64_t tag;
  uint32_t live;
  uint32_t stamp;
  uint32_t count;
};

Fields unpack(uint64_t w) {
  return {w >> kTagShift, static_cast<uint32_t>((w >> kLiveShift) & kFieldMask),
          static_cast<uint32_t>((w >> kStampShift) & kFieldMask),
          static_cast<uint32_t>(w & kFieldMask)};
}

uint64_t pack(const Fields& f) {
  return (f.tag << kTagShift) | (uint64_t{f.live} << kLiveShift) |
         (uint64_t{f.stamp} << kStampShift) | f.count;
}

uint32_t stampOf(MonoTime now) {
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() &
      kFieldMask);
}

uint64_t tagOf(uint64_t h) { return std::max<uint64_t>(h >> kTagShift, 1); }  // 0: empty slot

// Caps above what a slot can count mean no cap.
uint32_t effectiveCap(uint32_t cap) { return cap >= ConnectionLimiter::kCountMax ? 0 : cap; }

}  // namespace

const char* verdictName(OpenVerdict verdict) {
  switch (verdict) {
    case OpenVerdict::kAllowed:
      return "allowed";
    case OpenVerdict::kTooManyConcurrent:
      return "too many concurrent connections from this source";
    case OpenVerdict::kTooManyNew:
      return "too many new connections per second from this source";
  }
  return "?";
}

ConnectionLimiter::ConnectionLimiter(size_t slots, ConnectionCaps caps, uint64_t seed)
    : sets_(SlotSets::setsFor(slots)), set_mask_(sets_.count() - 1), seed_(seed) {
  setCaps(caps);
}

void ConnectionLimiter::setCaps(ConnectionCaps caps) {
  caps_.store((uint64_t{caps.max_concurrent} << 32) | caps.max_new_per_second,
              std::memory_order_relaxed);
}

ConnectionCaps ConnectionLimiter::caps() const {
  uint64_t c = caps_.load(std::memory_order_relaxed);
  return {static_cast<uint32_t>(c >> 32), static_cast<uint32_t>(c)};
}

OpenDecision ConnectionLimiter::tryOpen(const IpKey& source, MonoTime now) {
  const uint64_t h = hashKey(source, seed_);
  Set& set = setOf(h);
  const uint64_t tag = tagOf(h);
  const uint32_t stamp = stampOf(now);
  const ConnectionCaps c = caps();
  const uint32_t max_live = effectiveCap(c.max_concurrent);
  const uint32_t max_new = effectiveCap(c.max_new_per_second);

  // Relaxed ordering: each word is the source's whole state and publishes nothing else.
  for (;;) {
    int found = -1, victim = -1;
    uint64_t word = 0, victim_word = 0;
    uint64_t victim_rank = UINT64_MAX;
    for (int w = 0; w < static_cast<int>(kWays); ++w) {
      uint64_t v = set.slot[w].load(std::memory_order_relaxed);
      Fields f = unpack(v);
      if (f.tag == tag) {
        found = w;
        word = v;
        break;
      }
      if (f.live != 0) continue;  // never evict a source with live connections
      // Empty first, then idle since an earlier second, then fewest new this second.
      uint64_t rank = v == 0 ? 0 : f.stamp != stamp ? 1 : 2 + f.count;
      if (rank < victim_rank) {
        victim = w;
        victim_rank = rank;
        victim_word = v;
      }
    }

    if (found >= 0) {
      Fields f = unpack(word);
      if (f.stamp != stamp) f.count = 0;
      if (max_live != 0 && f.live >= max_live) return {false, OpenVerdict::kTooManyConcurrent};
      if (max_new != 0 && f.count >= max_new) return {false, OpenVerdict::kTooManyNew};
      if (f.live == kCountMax) return {true, OpenVerdict::kAllowed, false};
      Fields next{tag, f.live + 1, stamp, std::min(f.count + 1, kCountMax)};
      if (set.slot[found].compare_exchange_weak(word, pack(next), std::memory_order_relaxed)) {
        return {true, OpenVerdict::kAllowed, true};
      }
      continue;
    }

    if (victim < 0) {
      untracked_.fetch_add(1, std::memory_order_relaxed);
      return {true, OpenVerdict::kAllowed, false};
    }
    if (set.slot[victim].compare_exchange_weak(victim_word, pack({tag, 1, stamp, 1}),
                                               std::memory_order_relaxed)) {
      return {true, OpenVerdict::kAllowed, true};
    }
  }
}

void ConnectionLimiter::close(const IpKey& source) {
  const uint64_t h = hashKey(source, seed_);
  Set& set = setOf(h);
  const uint64_t tag = tagOf(h);
  for (;;) {
    // Two threads opening a new source at once can give it two slots; its live connections are
    // then split between them, so take one off whichever still has some.
    int found = -1;
    uint64_t word = 0;
    for (int w = 0; w < static_cast<int>(kWays); ++w) {
      uint64_t v = set.slot[w].load(std::memory_order_relaxed);
      Fields f = unpack(v);
      if (f.tag == tag && f.live != 0) {
        found = w;
        word = v;
        break;
      }
    }
    if (found < 0) return;  // an untracked connection, or a close() without an open
    Fields f = unpack(word);
    --f.live;
    if (set.slot[found].compare_exchange_weak(word, pack(f), std::memory_order_relaxed)) return;
  }
}

size_t ConnectionLimiter::sweep(MonoTime now) {
  const uint32_t stamp = stampOf(now);
  const uint32_t last_second = (stamp - 1) & kFieldMask;
  size_t cleared = 0;
  for (size_t i = 0; i < sets_.count(); ++i) {
    for (auto& s : sets_[i].slot) {
      uint64_t v = s.load(std::memory_order_relaxed);
      Fields f = unpack(v);
      if (v == 0 || f.stamp == stamp || f.stamp == last_second) continue;
      // Idle: free the slot. Holding connections: keep the count, but restamp the past second
      // so that an old count can never match a future stamp. A failed exchange means a worker
      // just touched the slot; it is not idle, leave it.
      uint64_t next = f.live == 0 ? 0 : pack({f.tag, f.live, last_second, 0});
      if (s.compare_exchange_strong(v, next, std::memory_order_relaxed)) cleared += next == 0;
    }
  }
  return cleared;
}

uint32_t ConnectionLimiter::concurrent(const IpKey& source) const {
  const uint64_t h = hashKey(source, seed_);
  const Set& set = setOf(h);
  uint32_t live = 0;
  for (const auto& s : set.slot) {
    Fields f = unpack(s.load(std::memory_order_relaxed));
    if (f.tag == tagOf(h)) live += f.live;
  }
  return live;
}

uint64_t ConnectionLimiter::liveConnections() const {
  uint64_t live = 0;
  for (size_t i = 0; i < sets_.count(); ++i) {
    for (const auto& s : sets_[i].slot) live += unpack(s.load(std::memory_order_relaxed)).live;
  }
  return live;
}

}  // namespace floodgate::shield
