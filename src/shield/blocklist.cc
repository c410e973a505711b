#include "shield/blocklist.h"

#include <algorithm>
#include <array>
#include <bit>
#include <random>

namespace floodgate::shield {
namespace {

constexpr uint8_t kV4MappedLength = 96;
constexpr IpPrefix kV4Space{IpKey{0, IpKey::kV4Mapped}, kV4MappedLength};

uint64_t probeHash(const IpKey& base, uint8_t length, uint64_t seed) {
  return hashPrefix(IpPrefix{base, length}, seed);
}

// Whether some IPv4 (or some non-IPv4) address can fall inside the prefix: that decides which
// family's lookups probe its length, so an IPv4 lookup never pays for the IPv6 /64s.
bool reachesV4(const IpPrefix& p) {
  return p.length <= kV4MappedLength ? p.contains(kV4Space.base) : p.base.isV4();
}
bool reachesV6(const IpPrefix& p) {
  return p.length < kV4MappedLength || !kV4Space.contains(p.base);
}

uint64_t randomSeed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

}  // namespace

const char* originName(BlockOrigin origin) {
  return origin == BlockOrigin::kDetector ? "detector" : "operator";
}

Blocklist::Blocklist() : slots_(1) {}

const BlockEntry* Blocklist::find(const IpKey& base, uint8_t length) const {
  for (uint64_t i = probeHash(base, length, seed_) & slot_mask_;; i = (i + 1) & slot_mask_) {
    const Slot& s = slots_[i];
    if (s.entry_plus_one == 0) return nullptr;
    if (s.length == length && s.base == base) return &entries_[s.entry_plus_one - 1];
  }
}

bool Blocklist::contains(const IpKey& key, MonoTime now, const Entry** hit) const {
  const auto& lengths = key.isV4() ? v4_lengths_ : v6_lengths_;
  // Longest first, so the most specific live entry answers; an expired one falls through to
  // the shorter prefixes that may still cover the key.
  for (uint8_t length : lengths) {
    const Entry* e = find(key.masked(length), length);
    if (e != nullptr && now < e->expires) {
      if (hit != nullptr) *hit = e;
      return true;
    }
  }
  return false;
}

BlocklistBuilder::BlocklistBuilder(const Blocklist& base, MonoTime now) {
  for (const auto& e : base.entries()) {
    if (now < e.expires) entries_.emplace(e.prefix, e);
  }
}

void BlocklistBuilder::add(const IpPrefix& prefix, MonoTime expires, BlockOrigin origin,
                           std::string reason) {
  IpPrefix p{prefix.base.masked(prefix.length), prefix.length};
  auto [it, inserted] = entries_.try_emplace(p);
  if (inserted || it->second.expires <= expires) {
    it->second = BlockEntry{p, expires, origin, std::move(reason)};
  }
}

Status BlocklistBuilder::add(std::string_view prefix, MonoTime expires, BlockOrigin origin,
                             std::string reason) {
  auto parsed = IpPrefix::parse(prefix);
  if (!parsed) return Error{parsed.error()};
  add(*parsed, expires, origin, std::move(reason));
  return Status::okStatus();
}

bool BlocklistBuilder::remove(const IpPrefix& prefix) { return entries_.erase(prefix) > 0; }

void BlocklistBuilder::dropExpired(MonoTime now) {
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
}

std::shared_ptr<const Blocklist> BlocklistBuilder::build() const { return build(randomSeed()); }

std::shared_ptr<const Blocklist> BlocklistBuilder::build(uint64_t seed) const {
  auto list = std::make_shared<Blocklist>();
  list->seed_ = seed;
  list->entries_.reserve(entries_.size());
  for (const auto& kv : entries_) list->entries_.push_back(kv.second);
  // A stable order for listings (and for identical snapshots from identical inputs).
  std::sort(list->entries_.begin(), list->entries_.end(), [](const auto& a, const auto& b) {
    return a.prefix.base != b.prefix.base ? a.prefix.base < b.prefix.base
                                          : a.prefix.length < b.prefix.length;
  });

  size_t capacity = std::bit_ceil(std::max<size_t>(2 * list->entries_.size(), 2));
  list->slots_.assign(capacity, {});
  list->slot_mask_ = capacity - 1;
  std::array<bool, 129> v4{}, v6{};
  for (size_t i = 0; i < list->entries_.size(); ++i) {
    const IpPrefix& p = list->entries_[i].prefix;
    uint64_t at = probeHash(p.base, p.length, seed) & list->slot_mask_;
    while (list->slots_[at].entry_plus_one != 0) at = (at + 1) & list->slot_mask_;
    list->slots_[at] = {p.base, static_cast<uint32_t>(i + 1), p.length};
    v4[p.length] = v4[p.length] || reachesV4(p);
    v6[p.length] = v6[p.length] || reachesV6(p);
  }
  for (int len = 128; len >= 0; --len) {
    if (v4[len]) list->v4_lengths_.push_back(static_cast<uint8_t>(len));
    if (v6[len]) list->v6_lengths_.push_back(static_cast<uint8_t>(len));
  }
  return list;
}

}  // namespace floodgate::shield
