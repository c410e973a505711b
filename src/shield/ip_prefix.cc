#include "shield/ip_prefix.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "core/socket_address.h"

namespace floodgate::shield {
namespace {

uint64_t loadBigEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void storeBigEndian64(uint64_t v, uint8_t* p) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

// Ones in the top `bits` (0..64) of a word.
uint64_t highMask(unsigned bits) { return bits == 0 ? 0 : ~uint64_t{0} << (64 - bits); }

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
std::string quote(std::string_view text) {
  std::string q;
  q.reserve(text.size() + 2);
  q += '"';
  q += text;
  q += '"';
  return q;
}

constexpr const char* kExamples =
    "expected an address or CIDR prefix like 10.0.0.0/8 or 2001:db8::/32";

// inet_pton needs a NUL-terminated string; addresses are short, so a stack copy will do.
bool parseAddress(std::string_view text, IpKey* out, bool* v4) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    *out = IpKey::fromV4(ntohl(a4.s_addr));
    *v4 = true;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1) {
    *out = IpKey::fromV6Bytes(a6.s6_addr);
    *v4 = false;
    return true;
  }
  return false;
}

}  // namespace

IpKey IpKey::fromV6Bytes(const uint8_t bytes[16]) {
  return IpKey{loadBigEndian64(bytes), loadBigEndian64(bytes + 8)};
}

std::optional<IpKey> IpKey::fromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in v4;
    std::memcpy(&v4, sa, sizeof(v4));  // sa may be any sockaddr_storage; avoid aliasing casts
    return fromV4(ntohl(v4.sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 v6;
    std::memcpy(&v6, sa, sizeof(v6));
    return fromV6Bytes(v6.sin6_addr.s6_addr);
  }
  return std::nullopt;
}

std::optional<IpKey> IpKey::fromSocketAddress(const SocketAddress& address) {
  if (!address.valid()) return std::nullopt;
  return fromSockaddr(address.sockaddrPtr(), address.length());
}

Result<IpKey> IpKey::parse(std::string_view text) {
  IpKey key;
  bool v4 = false;
  if (!parseAddress(text, &key, &v4)) {
    return makeError(quote(text) + " is not a numeric IPv4 or IPv6 address");
  }
  return key;
}

IpKey IpKey::masked(unsigned bits) const {
  if (bits >= 128) return *this;
  if (bits >= 64) return IpKey{hi, lo & highMask(bits - 64)};
  return IpKey{hi & highMask(bits), 0};
}

void IpKey::toBytes(uint8_t out[16]) const {
  storeBigEndian64(hi, out);
  storeBigEndian64(lo, out + 8);
}

size_t IpKey::format(char* buf, size_t cap) const {
  const char* ok = nullptr;
  if (isV4()) {
    in_addr a4;
    a4.s_addr = htonl(v4());
    ok = inet_ntop(AF_INET, &a4, buf, cap);
  } else {
    in6_addr a6;
    toBytes(a6.s6_addr);
    ok = inet_ntop(AF_INET6, &a6, buf, cap);
  }
  if (ok == nullptr) {
    if (cap > 0) buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

std::string IpKey::toString() const {
  char buf[INET6_ADDRSTRLEN];
  return std::string(buf, format(buf, sizeof(buf)));
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  if (text.empty()) return makeError(std::string("empty address; ") + kExamples);
  const std::string quoted = quote(text);
  size_t slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  IpKey key;
  bool v4 = false;
  if (!parseAddress(address, &key, &v4)) {
    return makeError(quoted + ": " + quote(address) + " is not an IPv4 or IPv6 address; " +
                     kExamples);
  }
  const unsigned width = v4 ? 32 : 128;
  unsigned len = width;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        len > width) {
      return makeError(quoted + ": " + (v4 ? "IPv4" : "IPv6") + " prefix length must be 0 to " +
                       std::to_string(width));
    }
  }
  IpPrefix prefix{key, static_cast<uint8_t>(v4 ? 96 + len : len)};
  IpPrefix network{key.masked(prefix.length), prefix.length};
  if (network.base != key) {
    return makeError(quoted + " has bits set past /" + std::to_string(len) + "; did you mean " +
                     network.toString() + "?");
  }
  return prefix;
}

std::string IpPrefix::toString() const {
  return base.toString() + "/" + std::to_string(familyLength());
}

IpPrefix prefixOf(const IpKey& key, unsigned len) {
  const unsigned bits = key.isV4() ? 96 + (len > 32 ? 32 : len) : (len > 128 ? 128 : len);
  return IpPrefix{key.masked(bits), static_cast<uint8_t>(bits)};
}

}  // namespace floodgate::shield
