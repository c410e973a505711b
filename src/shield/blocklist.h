// Blocklist: an immutable set of blocked addresses and CIDR prefixes, checked at accept before a
// byte is read. The control side builds one with BlocklistBuilder and publishes it as a
// shared_ptr<const Blocklist> snapshot; workers look up without locks because nothing changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "shield/ip_prefix.h"

namespace floodgate::shield {

enum class BlockOrigin : uint8_t { kOperator, kDetector };
const char* originName(BlockOrigin origin);  // "operator", "detector"

struct BlockEntry {
  IpPrefix prefix;
  MonoTime expires = MonoTime::max();  // matches while now < expires
  BlockOrigin origin = BlockOrigin::kOperator;
  std::string reason;  // why, for "why was this client blocked?"
};

class Blocklist {
 public:
  using Entry = BlockEntry;

  Blocklist();  // blocks nothing

  // Whether a live (unexpired) entry covers `key`; the most specific one goes to *hit. Costs one
  // hash probe per distinct prefix length present in the key's family (IPv4 lists typically
  // hold /32, /24, /16: three probes), with no allocation and no lock.
  bool contains(const IpKey& key, MonoTime now, const Entry** hit = nullptr) const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  // Prefix lengths (128-bit form, longest first) probed for IPv4 and for IPv6 keys.
  const std::vector<uint8_t>& v4Lengths() const { return v4_lengths_; }
  const std::vector<uint8_t>& v6Lengths() const { return v6_lengths_; }

 private:
  friend class BlocklistBuilder;

  // Open addressing with linear probing over (masked base, length) pairs, at most half full.
  struct Slot {
    IpKey base;
    uint32_t entry_plus_one = 0;  // 0: empty
    uint8_t length = 0;
  };

  const Entry* find(const IpKey& base, uint8_t length) const;

  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  uint64_t slot_mask_ = 0;
  uint64_t seed_ = 0;
  std::vector<uint8_t> v4_lengths_;
  std::vector<uint8_t> v6_lengths_;
};

class BlocklistBuilder {
 public:
  BlocklistBuilder() = default;
  // Starts from a published snapshot, keeping only the entries still live at `now`; the usual
  // way to add or lift one entry.
  BlocklistBuilder(const Blocklist& base, MonoTime now);

  // Adding a prefix that is already present keeps the entry that expires last (with its
  // reason and origin): for one prefix, that is exactly the union of the two blocks.
  void add(const IpPrefix& prefix, MonoTime expires, BlockOrigin origin, std::string reason);
  // Parses "10.0.0.0/8", "2001:db8::/32" or a bare address; a bad prefix changes nothing.
  Status add(std::string_view prefix, MonoTime expires, BlockOrigin origin, std::string reason);
  bool remove(const IpPrefix& prefix);
  void dropExpired(MonoTime now);
  size_t size() const { return entries_.size(); }

  // The snapshot. `seed` picks the probe positions; the default draws a random one so that a
  // detector fed by attacker addresses cannot be steered into building long probe chains.
  std::shared_ptr<const Blocklist> build() const;
  std::shared_ptr<const Blocklist> build(uint64_t seed) const;

 private:
  std::unordered_map<IpPrefix, BlockEntry, IpPrefixHash> entries_;
};

}  // namespace floodgate::shield
