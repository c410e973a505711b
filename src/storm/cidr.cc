#include "storm/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <numeric>

namespace floodgate::storm {

bool parseIpv4(std::string_view text, uint32_t* out) {
  uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || next - p > 3 || octet > 255) return false;
    value = (value << 8) | octet;
    p = next;
  }
  if (p != end) return false;
  *out = value;
  return true;
}

std::string formatIpv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

Result<CidrRange> CidrRange::parse(std::string_view text) {
  std::string_view ip = text;
  int len = 32;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    ip = text.substr(0, slash);
    std::string_view bits = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), len);
    if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size() || len < 0 ||
        len > 32) {
      return makeError("\"" + std::string(text) + "\" has an invalid prefix length (use 8..32)");
    }
  }
  uint32_t address = 0;
  if (!parseIpv4(ip, &address)) {
    return makeError("\"" + std::string(text) +
                     "\" is not an IPv4 address block (e.g. 127.66.0.0/16)");
  }
  if (!isLoopbackV4(address) || len < 8) {
    return makeError("\"" + std::string(text) +
                     "\" is outside 127.0.0.0/8; storm only plays clients on loopback");
  }
  CidrRange r;
  r.prefix_len_ = len;
  r.mask_ = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  if ((address & ~r.mask_) != 0) {
    return makeError("\"" + std::string(text) + "\" has host bits set; did you mean " +
                     formatIpv4(address & r.mask_) + "/" + std::to_string(len) + "?");
  }
  r.network_ = address;
  // Count addresses whose last octet is 1..254.
  if (len >= 24) {
    uint32_t first = address & 255, last = first + ((uint32_t{1} << (32 - len)) - 1);
    uint64_t n = 0;
    for (uint32_t o = first; o <= last; ++o) n += (o >= 1 && o <= 254) ? 1 : 0;
    r.size_ = n;
  } else {
    r.size_ = (uint64_t{1} << (24 - len)) * 254;
  }
  if (r.size_ == 0) {
    return makeError("\"" + std::string(text) +
                     "\" holds no usable address (.0 and .255 are skipped)");
  }
  return r;
}

uint32_t CidrRange::at(uint64_t i) const {
  i %= size_;
  if (prefix_len_ >= 24) {
    // Walk the few addresses of a small block, skipping .0 and .255.
    uint32_t a = network_;
    uint64_t seen = 0;
    for (;; ++a) {
      uint32_t o = a & 255;
      if (o >= 1 && o <= 254) {
        if (seen == i) return a;
        ++seen;
      }
    }
  }
  uint32_t block = static_cast<uint32_t>(i / 254);
  uint32_t host = static_cast<uint32_t>(i % 254) + 1;
  return network_ | (block << 8) | host;
}

SocketAddress CidrRange::socketAddressAt(uint64_t i) const {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(at(i));
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof(sin));
}

bool CidrRange::contains(std::string_view dotted) const {
  uint32_t a = 0;
  return parseIpv4(dotted, &a) && contains(a);
}

std::string CidrRange::textPrefix() const {
  if (prefix_len_ % 8 != 0) return "";
  std::string out;
  for (int i = 0; i < prefix_len_ / 8; ++i) {
    out += std::to_string((network_ >> (24 - 8 * i)) & 255);
    out += '.';
  }
  if (prefix_len_ == 32) out.pop_back();
  return out;
}

std::string CidrRange::toString() const {
  return formatIpv4(network_) + "/" + std::to_string(prefix_len_);
}

bool CidrRange::overlaps(const CidrRange& o) const {
  uint32_t m = prefix_len_ < o.prefix_len_ ? mask_ : o.mask_;
  return (network_ & m) == (o.network_ & m);
}

ScatteredOrder::ScatteredOrder(uint64_t n) : n_(n) {
  if (n < 3) return;
  stride_ = static_cast<uint64_t>(static_cast<double>(n) * 0.6180339887);
  while (std::gcd(stride_, n) != 1) ++stride_;
}

}  // namespace floodgate::storm
