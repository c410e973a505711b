#include "shield/ip_prefix.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <unordered_set>

#include "core/socket_address.h"

namespace floodgate::shield {
namespace {

IpKey key(std::string_view text) {
  auto k = IpKey::parse(text);
  EXPECT_TRUE(k.ok()) << text;
  return k.ok() ? *k : IpKey{};
}

TEST(IpKey, Ipv4IsMappedIntoIpv6) {
  IpKey k = key("10.1.2.3");
  EXPECT_TRUE(k.isV4());
  EXPECT_EQ(k.hi, 0u);
  EXPECT_EQ(k.lo, 0x0000ffff0a010203ULL);
  EXPECT_EQ(k.v4(), 0x0a010203u);
  EXPECT_EQ(k, key("::ffff:10.1.2.3"));  // a dual-stack socket's view of the same client
  EXPECT_EQ(k.toString(), "10.1.2.3");
  EXPECT_FALSE(key("::1").isV4());
  EXPECT_EQ(key("2001:db8::1").toString(), "2001:db8::1");
}

TEST(IpKey, FromSockaddrAndSocketAddress) {
  auto v4 = SocketAddress::parse("192.0.2.7:443");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(IpKey::fromSocketAddress(*v4), key("192.0.2.7"));
  auto v6 = SocketAddress::parse("[2001:db8::42]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(IpKey::fromSocketAddress(*v6), key("2001:db8::42"));
  EXPECT_EQ(IpKey::fromSockaddr(v6->sockaddrPtr(), v6->length()), key("2001:db8::42"));

  EXPECT_FALSE(IpKey::fromSocketAddress(SocketAddress()).has_value());
  sockaddr_storage unix_addr{};
  unix_addr.ss_family = AF_UNIX;
  EXPECT_FALSE(IpKey::fromSockaddr(reinterpret_cast<sockaddr*>(&unix_addr), sizeof(unix_addr)));
  // A truncated length must not read past what the kernel filled in.
  EXPECT_FALSE(IpKey::fromSockaddr(v6->sockaddrPtr(), 8));
}

TEST(IpKey, MaskedKeepsLeadingBits) {
  IpKey k = key("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff");
  EXPECT_EQ(k.masked(128), k);
  EXPECT_EQ(k.masked(64), key("2001:db8:aaaa:bbbb::"));
  EXPECT_EQ(k.masked(48), key("2001:db8:aaaa::"));
  EXPECT_EQ(k.masked(72), key("2001:db8:aaaa:bbbb:cc00::"));
  EXPECT_EQ(k.masked(0), IpKey{});
  EXPECT_EQ(key("10.1.2.3").masked(96 + 24), key("10.1.2.0"));
}

TEST(IpPrefix, ParsesAddressesAndPrefixes) {
  struct Case {
    const char* text;
    const char* shown;
    unsigned family_len;
    bool v4;
  } cases[] = {
      {"10.0.0.0/8", "10.0.0.0/8", 8, true},
      {"1.2.3.4", "1.2.3.4/32", 32, true},
      {"0.0.0.0/0", "0.0.0.0/0", 0, true},
      {"192.168.1.0/24", "192.168.1.0/24", 24, true},
      {"2001:db8::/32", "2001:db8::/32", 32, false},
      {"::1", "::1/128", 128, false},
      {"::/0", "::/0", 0, false},
      {"::ffff:10.0.0.0/104", "10.0.0.0/8", 8, true},
  };
  for (const auto& c : cases) {
    auto p = IpPrefix::parse(c.text);
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.error();
    EXPECT_EQ(p->toString(), c.shown) << c.text;
    EXPECT_EQ(p->familyLength(), c.family_len) << c.text;
    EXPECT_EQ(p->isV4(), c.v4) << c.text;
  }
}

TEST(IpPrefix, ErrorsSayWhatToWrite) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "empty address; expected an address or CIDR prefix like 10.0.0.0/8 or 2001:db8::/32"},
      {"10.0.0/8",
       "\"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address; expected an address or CIDR "
       "prefix like 10.0.0.0/8 or 2001:db8::/32"},
      {"10.0.0.0/33", "\"10.0.0.0/33\": IPv4 prefix length must be 0 to 32"},
      {"10.0.0.0/", "\"10.0.0.0/\": IPv4 prefix length must be 0 to 32"},
      {"10.0.0.0/8x", "\"10.0.0.0/8x\": IPv4 prefix length must be 0 to 32"},
      {"10.0.0.0/-1", "\"10.0.0.0/-1\": IPv4 prefix length must be 0 to 32"},
      {"2001:db8::/129", "\"2001:db8::/129\": IPv6 prefix length must be 0 to 128"},
      {"10.1.2.3/8", "\"10.1.2.3/8\" has bits set past /8; did you mean 10.0.0.0/8?"},
      {"2001:db8::1/32", "\"2001:db8::1/32\" has bits set past /32; did you mean 2001:db8::/32?"},
      {"example.com",
       "\"example.com\": \"example.com\" is not an IPv4 or IPv6 address; expected "
       "an address or CIDR prefix like 10.0.0.0/8 or 2001:db8::/32"},
  };
  for (const auto& c : cases) {
    auto p = IpPrefix::parse(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.error(), c.message);
  }
}

TEST(IpPrefix, ContainsAndPrefixOf) {
  auto net = IpPrefix::parse("10.0.0.0/8");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->contains(key("10.255.1.1")));
  EXPECT_FALSE(net->contains(key("11.0.0.1")));
  EXPECT_FALSE(net->contains(key("::a00:1")));  // IPv4-compatible, not IPv4-mapped

  EXPECT_EQ(prefixOf(key("203.0.113.77"), 24).toString(), "203.0.113.0/24");
  EXPECT_EQ(prefixOf(key("203.0.113.77"), 99).toString(), "203.0.113.77/32");
  EXPECT_EQ(prefixOf(key("2001:db8:1:2:3:4:5:6"), 64).toString(), "2001:db8:1:2::/64");
  EXPECT_EQ(prefixOf(key("2001:db8:1:2:3:4:5:6"), 48).toString(), "2001:db8:1::/48");
  EXPECT_TRUE(prefixOf(key("2001:db8:1:2:3:4:5:6"), 64).contains(key("2001:db8:1:2::99")));
}

TEST(IpKeyHash, SeededAndSpread) {
  // Sequential IPv4 addresses — the worst case for a weak hash — must spread over the low bits
  // that pick a table set.
  constexpr int kKeys = 1 << 16;
  std::vector<int> sets(1 << 10);
  for (uint32_t i = 0; i < kKeys; ++i) ++sets[hashKey(IpKey::fromV4(0x0a000000 + i), 7) & 1023];
  int max_load = 0;
  for (int n : sets) max_load = std::max(max_load, n);
  EXPECT_LT(max_load, 64 * 2);  // mean 64

  IpKey k = key("198.51.100.1");
  EXPECT_NE(hashKey(k, 1), hashKey(k, 2));
  EXPECT_EQ(hashKey(k, 1), hashKey(k, 1));
  auto p = prefixOf(k, 24);
  auto q = IpPrefix{p.base, static_cast<uint8_t>(p.length + 1)};
  EXPECT_NE(hashPrefix(p, 0), hashPrefix(q, 0));  // same base, different length
}

}  // namespace
}  // namespace floodgate::shield
