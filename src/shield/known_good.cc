#include "shield/known_good.h"

#include <algorithm>
#include <bit>

namespace floodgate::shield {
namespace {

constexpr int kTagShift = 40;
constexpr uint64_t pack(uint64_t tag, uint64_t since, uint64_t last) {
  return (tag << kTagShift) | (since << 20) | last;
}
constexpr uint64_t tagOf(uint64_t word) { return word >> kTagShift; }
constexpr uint64_t sinceOf(uint64_t word) { return (word >> 20) & 0xFFFFF; }
constexpr uint64_t lastOf(uint64_t word) { return word & 0xFFFFF; }

}  // namespace

KnownGoodSet::KnownGoodSet(size_t slots, MonoTime epoch, Duration retention, uint64_t seed)
    : sets_(SlotSets::setsFor(slots)),
      epoch_(epoch),
      retention_s_(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(std::min(retention, kMaxRetention))
              .count())),
      seed_(seed) {}

bool KnownGoodSet::servedThrough(uint64_t word, uint64_t now20) const {
  return age(now20, sinceOf(word)) >= age(now20, lastOf(word)) + min_tenure_s_;
}

uint64_t KnownGoodSet::seconds(MonoTime t) const {
  auto d = std::chrono::duration_cast<std::chrono::seconds>(t - epoch_).count();
  return d < 0 ? 0 : static_cast<uint64_t>(d);
}

KnownGoodSet::Found KnownGoodSet::findSlot(uint64_t h) const {
  const uint64_t tag = std::max<uint64_t>(1, h >> kTagShift);  // 0 marks an empty slot
  Set& set = sets_[h & (sets_.count() - 1)];
  for (auto& slot : set.slot) {
    uint64_t word = slot.load(std::memory_order_relaxed);
    if (tagOf(word) == tag) return {set, tag, &slot, word};
  }
  return {set, tag, nullptr, 0};
}

void KnownGoodSet::noteSuccess(const IpKey& key, MonoTime now) {
  noteSuccessAt(hashKey(key, seed_), now);
  noteSuccessAt(networkHash(networkOf(key)), now);
}

void KnownGoodSet::noteSuccessAt(uint64_t hash, MonoTime now) {
  const Found found = findSlot(hash);
  const uint64_t tag = found.tag;
  const uint64_t now_full = seconds(now);
  const uint64_t now20 = now_full & kTimeMask;
  const int64_t anomaly = anomaly_start_s_.load(std::memory_order_relaxed);

  if (found.slot != nullptr) {
    uint64_t word = found.word;
    if (lastOf(word) == now20) return;  // already noted this second: no write
    uint64_t since = sinceOf(word);
    if (age(now20, lastOf(word)) > retention_s_) {
      since = now20;  // back after expiry: a new run of successes
    } else if (anomaly < 0 && age(now20, since) > retention_s_) {
      // Keep `since` within reach of the 20-bit clock; "older than retention" is all that matters.
      since = (now20 - retention_s_) & kTimeMask;
    }
    found.slot->compare_exchange_strong(word, pack(tag, since, now20), std::memory_order_relaxed);
    return;
  }

  // A new client: an empty slot, else the stalest one it may take.
  const uint64_t anomaly_age = anomaly < 0 ? 0 : now_full - static_cast<uint64_t>(anomaly);
  std::atomic<uint64_t>* victim = nullptr;
  uint64_t victim_word = 0;
  uint64_t victim_age = 0;
  for (auto& slot : found.set.slot) {
    uint64_t word = slot.load(std::memory_order_relaxed);
    if (word == 0) {
      victim = &slot;
      victim_word = 0;
      break;
    }
    const uint64_t last_age = age(now20, lastOf(word));
    const bool expired = last_age > retention_s_;
    // During an anomaly a pre-anomaly client (since older than the anomaly) is protected.
    if (anomaly >= 0 && !expired && age(now20, sinceOf(word)) > anomaly_age) continue;
    if (victim == nullptr || last_age > victim_age) {
      victim = &slot;
      victim_word = word;
      victim_age = last_age;
    }
  }
  if (victim == nullptr) return;
  victim->compare_exchange_strong(victim_word, pack(tag, now20, now20), std::memory_order_relaxed);
}

void KnownGoodSet::noteRefused(const IpKey& key, MonoTime now) {
  if (min_tenure_s_ == 0) return;
  noteRefusedAt(hashKey(key, seed_), now);
  noteRefusedAt(networkHash(networkOf(key)), now);
}

void KnownGoodSet::noteRefusedAt(uint64_t hash, MonoTime now) {
  Found found = findSlot(hash);
  if (found.slot == nullptr) return;
  const uint64_t now20 = seconds(now) & kTimeMask;
  const uint64_t since = sinceOf(found.word);
  if (since == now20 || servedThrough(found.word, now20)) return;
  found.slot->compare_exchange_strong(found.word, pack(found.tag, now20, lastOf(found.word)),
                                      std::memory_order_relaxed);
}

bool KnownGoodSet::isKnownGood(const IpKey& key, MonoTime now) const {
  return knownGoodAt(hashKey(key, seed_), now);
}

bool KnownGoodSet::hasKnownGood(const IpPrefix& network, MonoTime now) const {
  return knownGoodAt(networkHash(network), now);
}

bool KnownGoodSet::knownGoodAt(uint64_t hash, MonoTime now) const {
  const Found found = findSlot(hash);
  if (found.slot == nullptr) return false;
  const uint64_t now_full = seconds(now);
  const uint64_t now20 = now_full & kTimeMask;
  if (age(now20, lastOf(found.word)) > retention_s_) return false;
  if (!servedThrough(found.word, now20)) return false;
  const int64_t anomaly = anomaly_start_s_.load(std::memory_order_relaxed);
  if (anomaly < 0) return true;
  const uint64_t anomaly_age =
      now_full > static_cast<uint64_t>(anomaly) ? now_full - static_cast<uint64_t>(anomaly) : 0;
  return age(now20, sinceOf(found.word)) > anomaly_age;
}

void KnownGoodSet::beginAnomaly(MonoTime started_at) {
  anomaly_start_s_.store(static_cast<int64_t>(seconds(started_at)), std::memory_order_relaxed);
}

void KnownGoodSet::endAnomaly() { anomaly_start_s_.store(-1, std::memory_order_relaxed); }

std::optional<MonoTime> KnownGoodSet::anomalyStart() const {
  int64_t s = anomaly_start_s_.load(std::memory_order_relaxed);
  if (s < 0) return std::nullopt;
  return epoch_ + std::chrono::seconds(s);
}

}  // namespace floodgate::shield
