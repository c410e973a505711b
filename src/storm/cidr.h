// CidrRange: a block of loopback source addresses (e.g. 127.66.0.0/16) that a client group plays
// from. Storm only ever plays clients inside 127.0.0.0/8, so traffic never leaves the machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/socket_address.h"

namespace floodgate::storm {

class CidrRange {
 public:
  CidrRange() = default;
  // Parses "127.66.0.0/16" (or a single address "127.0.0.5"). Refuses anything outside
  // 127.0.0.0/8 and host bits set in the network address.
  static Result<CidrRange> parse(std::string_view text);

  // Usable addresses: every address in the block whose last octet is 1..254, so neither a
  // ".0" nor a ".255" is ever bound.
  uint64_t size() const { return size_; }
  // The i-th usable address (i taken modulo size()), host byte order.
  uint32_t at(uint64_t i) const;
  SocketAddress socketAddressAt(uint64_t i) const;
  bool contains(uint32_t address) const { return (address & mask_) == network_; }
  bool contains(std::string_view dotted) const;
  // The text prefix that selects exactly this block among dotted addresses, when the prefix
  // length is a multiple of 8 ("127.66." for /16); empty otherwise.
  std::string textPrefix() const;
  std::string toString() const;
  int prefixLength() const { return prefix_len_; }
  bool overlaps(const CidrRange& o) const;

 private:
  uint32_t network_ = 0;
  uint32_t mask_ = 0;
  int prefix_len_ = 32;
  uint64_t size_ = 0;
};

// Parses a dotted IPv4 address into host byte order.
bool parseIpv4(std::string_view text, uint32_t* out);
std::string formatIpv4(uint32_t address);
inline bool isLoopbackV4(uint32_t address) { return (address >> 24) == 127; }

// The order in which a group's slots take its `n` source addresses, one after another as they
// reconnect: a fixed stride coprime with n (near n times the golden ratio), so every address is
// taken once a pass, as before, but consecutive turns land far apart in the range. A botnet's
// bots send on their own clocks, so at any moment its traffic comes from all over its range;
// walking the range in address order had each /24 send for a moment and fall silent, a pattern
// no botnet has (it hid the flood's networks from any per-network measure).
class ScatteredOrder {
 public:
  explicit ScatteredOrder(uint64_t n);
  // The index (in 0..n-1) of the address for turn `i`; a bijection on 0..n-1 for i below n.
  uint64_t operator()(uint64_t i) const { return n_ == 0 ? 0 : (i % n_) * stride_ % n_; }

 private:
  uint64_t n_;
  uint64_t stride_ = 1;
};

}  // namespace floodgate::storm
