// KnownGoodSet: the clients that completed successful requests before the current anomaly began,
// in a fixed-size lock-free table shared by every worker, so the request path can give them the
// origin's capacity first while the service is under pressure.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/clock.h"
#include "shield/ip_prefix.h"
#include "shield/slot_sets.h"

namespace floodgate::shield {

// Why shared and atomic rather than per worker: a client's connections land on any worker
// (SO_REUSEPORT), so a per-worker set would call a client known-good on one worker and unknown
// on the next. One table costs one cache line per lookup and one compare-exchange per client per
// second at most (a success in the same second as the recorded one writes nothing).
//
// Each slot is one 64-bit word: a 24-bit key tag, `since` (20 bits: when this run of successes
// began) and `last` (20 bits: the latest success), both in whole seconds from the table's epoch,
// modulo 2^20 (12 days; retention is capped at 3 days so ages never wrap). Slots come in sets of
// 8, one cache line; a key's seeded hash picks the set and the tag.
//
// Known-good at `now` means: a success within `retention`, and — while an anomaly is active —
// `since` strictly before the anomaly began. A client first seen during an anomaly is recorded
// (so it becomes known-good when the anomaly ends) but is not known-good yet. While an anomaly is
// active a new client may only take an empty slot, an expired one, or one of another client
// first seen during the anomaly: a botnet that completes requests cannot churn the pre-anomaly
// population out of the table.
//
// Each success and refusal is noted twice: for the client, and for its network (its /24 or /64,
// setPrefixLengths), an entry of its own in the same table under another hash. A network is
// known-good when one of its clients is, by the same rules: what the kernel drop's prefix
// escalation asks before it drops a whole network (never one a regular lives in).
//
// Errs: a tag collision (8 in 2^24 per unknown key) calls a stranger known-good; a race on one
// slot drops one update. Both only ever cost a little priority or spare a network, never a block.
class KnownGoodSet {
 public:
  static constexpr size_t kWays = SlotSets::kWays;
  static constexpr Duration kMaxRetention = std::chrono::hours(72);

  // `slots` is rounded up to a power of two (at least one set); 8 bytes each, all allocated here
  // (SlotSets: resident as clients arrive). `epoch` is any time not after the first call.
  KnownGoodSet(size_t slots, MonoTime epoch, Duration retention = std::chrono::hours(24),
               uint64_t seed = 0);

  // Workers: a successful (2xx/3xx from the origin) response to `key`. Lock-free, no allocation.
  void noteSuccess(const IpKey& key, MonoTime now);
  // Known-good also needs tenure: a run of successes at least this long (from the first success
  // of the run, or the last refusal in it, to the latest success). Without
  // it an attacker's first answered request, a second before the anomaly is recognised, would
  // make it a "regular" and its flood a flash crowd. 0 (the default): no tenure needed.
  void setMinTenure(Duration tenure) {
    min_tenure_s_ = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(tenure).count());
  }
  // Workers: `key` was refused (429: over a rate limit). A client still earning its tenure starts
  // it again: a flooder served its rate limit's worth while the rest of its flood is refused has
  // not shown itself a regular, and must not become one (the tarpit and the escalation spare
  // known-good clients). A client with its tenure done keeps it. Lock-free, no allocation.
  void noteRefused(const IpKey& key, MonoTime now);
  // Workers: one probe of one cache line.
  bool isKnownGood(const IpKey& key, MonoTime now) const;
  // The networks clients are noted in (before any note; the observation's lengths).
  void setPrefixLengths(unsigned v4, unsigned v6) {
    v4_prefix_ = v4;
    v6_prefix_ = v6;
  }
  IpPrefix networkOf(const IpKey& key) const {
    return prefixOf(key, key.isV4() ? v4_prefix_ : v6_prefix_);
  }
  // Control side: some client of `network` (a networkOf() prefix) is known-good at `now`.
  bool hasKnownGood(const IpPrefix& network, MonoTime now) const;

  // Control thread (the detector): an anomaly began at `started_at`; until endAnomaly(), only
  // clients whose successes began before it are known-good.
  void beginAnomaly(MonoTime started_at);
  void endAnomaly();
  std::optional<MonoTime> anomalyStart() const;

  size_t slots() const { return sets_.slots(); }
  size_t memoryBytes() const { return sets_.memoryBytes(); }
  size_t occupied() const { return sets_.occupied(); }  // scans the table: control side, tests

 private:
  using Set = SlotSets::Set;
  static constexpr uint64_t kTimeMask = (uint64_t{1} << 20) - 1;
  // Where a key lives: its set, its tag, and the slot holding that tag (null: none yet) with the
  // word read from it.
  struct Found {
    Set& set;
    uint64_t tag;
    std::atomic<uint64_t>* slot;
    uint64_t word;
  };
  Found findSlot(uint64_t hash) const;  // one probe of one cache line
  // The table's work for one entry: a client's (hashKey) or a network's (networkHash).
  void noteSuccessAt(uint64_t hash, MonoTime now);
  void noteRefusedAt(uint64_t hash, MonoTime now);
  bool knownGoodAt(uint64_t hash, MonoTime now) const;
  uint64_t networkHash(const IpPrefix& network) const {
    return hashPrefix(network, seed_ ^ 0x6e65'7477'6f72'6b00ULL);
  }

  uint64_t seconds(MonoTime t) const;  // full seconds since epoch_
  // The tenure is done: the run of successes began at least min_tenure before its latest
  // success. Not "began that long ago": a client served once, refused, and silent since (its
  // flood dropped in the kernel, or paused) has not shown itself a regular by waiting — and a
  // refusal after its last success (since past last) is no run at all.
  bool servedThrough(uint64_t word, uint64_t now20) const;
  static uint64_t age(uint64_t now20, uint64_t then20) { return (now20 - then20) & kTimeMask; }

  SlotSets sets_;  // resident where clients hashed to, not whole
  MonoTime epoch_;
  uint64_t retention_s_;
  uint64_t min_tenure_s_ = 0;
  uint64_t seed_;
  unsigned v4_prefix_ = 24;
  unsigned v6_prefix_ = 64;
  std::atomic<int64_t> anomaly_start_s_{-1};  // full seconds since epoch_, -1: none
};

}  // namespace floodgate::shield
