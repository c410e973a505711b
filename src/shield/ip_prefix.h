// IpKey and IpPrefix: client addresses as 128-bit keys (IPv4 as IPv4-mapped IPv6) and CIDR
// prefixes over them, the currency of every per-source table in the shield.
#pragma once

#include <sys/socket.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace floodgate {
class SocketAddress;
}

namespace floodgate::shield {

// An IPv4 or IPv6 address as 128 bits, most significant first: hi holds bytes 0..7 of the IPv6
// form, lo bytes 8..15. IPv4 a.b.c.d is ::ffff:a.b.c.d, so one table serves both families and a
// dual-stack socket's mapped addresses land on the same key as plain IPv4 ones. Two words rather
// than bytes so that masking and comparing are a few integer operations.
struct IpKey {
  uint64_t hi = 0;
  uint64_t lo = 0;

  static constexpr uint64_t kV4Mapped = 0x0000'ffff'0000'0000ULL;

  static constexpr IpKey fromV4(uint32_t host_order) { return IpKey{0, kV4Mapped | host_order}; }
  static IpKey fromV6Bytes(const uint8_t bytes[16]);
  // nullopt for families other than AF_INET/AF_INET6 or a length too short for the family.
  static std::optional<IpKey> fromSockaddr(const sockaddr* sa, socklen_t len);
  static std::optional<IpKey> fromSocketAddress(const SocketAddress& address);
  // A numeric address without a port: "10.1.2.3", "2001:db8::1". Control side.
  static Result<IpKey> parse(std::string_view text);

  bool isV4() const { return hi == 0 && (lo >> 32) == 0xffff; }
  uint32_t v4() const { return static_cast<uint32_t>(lo); }  // host order; valid if isV4()
  // Keeps the first `bits` (0..128) bits of the 128-bit form and zeroes the rest.
  IpKey masked(unsigned bits) const;
  void toBytes(uint8_t out[16]) const;
  // Writes "10.1.2.3" or "2001:db8::1" into buf (at least 46 bytes) without allocating.
  size_t format(char* buf, size_t cap) const;
  std::string toString() const;

  friend bool operator==(const IpKey&, const IpKey&) = default;
  friend auto operator<=>(const IpKey&, const IpKey&) = default;
};

// A CIDR block. The length counts bits of the 128-bit form, so an IPv4 /n is stored as 96 + n;
// familyLength() gives the /n an operator wrote.
struct IpPrefix {
  IpKey base;          // the network address: every bit past `length` is zero
  uint8_t length = 0;  // 0..128

  // "10.0.0.0/8", "2001:db8::/32", or a bare address ("1.2.3.4" is 1.2.3.4/32, "::1" is
  // ::1/128). Refuses a base with bits set past the length rather than silently widening a
  // typo into a bigger block. Control side: messages allocate.
  static Result<IpPrefix> parse(std::string_view text);
  static IpPrefix host(const IpKey& key) { return IpPrefix{key, 128}; }

  bool contains(const IpKey& key) const { return key.masked(length) == base; }
  // True for prefixes inside ::ffff:0:0/96, which are written and shown as IPv4.
  bool isV4() const { return length >= 96 && base.isV4(); }
  unsigned familyLength() const { return isV4() ? length - 96u : length; }
  std::string toString() const;  // "10.0.0.0/8", "2001:db8::/32"

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

// The /len block around a client in its own family's terms: prefixOf(v4, 24) is its /24,
// prefixOf(v6, 64) its /64. len is clamped to the family's width (32 or 128).
IpPrefix prefixOf(const IpKey& key, unsigned len);

// MurmurHash3's 64-bit finalizer: a bijection in which every input bit flips each output bit
// with probability close to 1/2, so table indexes can take any slice of the result.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Seeded 64-bit hash of a key. Not a MAC: the seed (random per process) only keeps an attacker
// who cannot see it from choosing source addresses that pile into one table set. ~2 ns.
constexpr uint64_t hashKey(const IpKey& key, uint64_t seed) {
  return mix64(mix64(key.hi ^ seed) ^ key.lo ^ 0x9e3779b97f4a7c15ULL);
}
constexpr uint64_t hashPrefix(const IpPrefix& prefix, uint64_t seed) {
  return hashKey(prefix.base, seed ^ (uint64_t{prefix.length} * 0xd6e8feb86659fd93ULL));
}

struct IpKeyHash {
  size_t operator()(const IpKey& k) const { return hashKey(k, 0); }
};
struct IpPrefixHash {
  size_t operator()(const IpPrefix& p) const { return hashPrefix(p, 0); }
};

}  // namespace floodgate::shield
