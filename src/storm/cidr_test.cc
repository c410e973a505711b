#include "storm/cidr.h"

#include <gtest/gtest.h>

#include <set>

namespace floodgate::storm {
namespace {

TEST(CidrRange, ParsesABlockAndCountsUsableAddresses) {
  auto r = CidrRange::parse("127.66.0.0/16");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->size(), 256u * 254u);
  EXPECT_EQ(r->textPrefix(), "127.66.");
  EXPECT_EQ(r->toString(), "127.66.0.0/16");
  EXPECT_TRUE(r->contains("127.66.3.4"));
  EXPECT_FALSE(r->contains("127.67.0.1"));
  EXPECT_FALSE(r->contains("127.66.1"));
}

TEST(CidrRange, IteratesWithoutDotZeroOrDotTwoFiftyFive) {
  auto r = CidrRange::parse("127.10.0.0/16");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(formatIpv4(r->at(0)), "127.10.0.1");
  EXPECT_EQ(formatIpv4(r->at(253)), "127.10.0.254");
  EXPECT_EQ(formatIpv4(r->at(254)), "127.10.1.1");
  EXPECT_EQ(r->at(r->size()), r->at(0));  // wraps
  std::set<uint32_t> seen;
  for (uint64_t i = 0; i < 5000; ++i) {
    uint32_t a = r->at(i);
    EXPECT_TRUE(r->contains(a));
    EXPECT_NE(a & 255, 0u);
    EXPECT_NE(a & 255, 255u);
    seen.insert(a);
  }
  EXPECT_EQ(seen.size(), 5000u);
}

TEST(CidrRange, SmallBlocks) {
  auto r = CidrRange::parse("127.0.0.0/30");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);  // .1 .2 .3
  EXPECT_EQ(formatIpv4(r->at(0)), "127.0.0.1");
  EXPECT_EQ(formatIpv4(r->at(2)), "127.0.0.3");
  auto one = CidrRange::parse("127.0.0.5");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ(formatIpv4(one->at(7)), "127.0.0.5");
  EXPECT_EQ(one->socketAddressAt(0).ip(), "127.0.0.5");
  EXPECT_FALSE(CidrRange::parse("127.0.0.0/32").ok());  // only a .0: nothing usable
}

TEST(CidrRange, RefusesAnythingOffLoopback) {
  for (const char* bad : {"10.0.0.0/8", "0.0.0.0/0", "128.0.0.0/8", "126.0.0.0/7", "192.168.1.1",
                          "127.0.0.0/33", "127.0.0.0/", "127.0.0/16", "127.0.0.0.0/16",
                          "127.66.1.0/16", "localhost", "::1", "127.0.0.256"}) {
    EXPECT_FALSE(CidrRange::parse(bad).ok()) << bad;
  }
  auto off = CidrRange::parse("10.1.0.0/16");
  EXPECT_NE(off.error().find("outside 127.0.0.0/8"), std::string::npos);
  auto bits = CidrRange::parse("127.66.1.0/16");
  EXPECT_NE(bits.error().find("did you mean 127.66.0.0/16"), std::string::npos);
}

TEST(CidrRange, Overlaps) {
  auto a = *CidrRange::parse("127.66.0.0/16");
  auto b = *CidrRange::parse("127.66.4.0/24");
  auto c = *CidrRange::parse("127.10.0.0/16");
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(c));
}

TEST(CidrRange, TextPrefixOnlyForWholeOctets) {
  EXPECT_EQ(CidrRange::parse("127.0.0.0/8")->textPrefix(), "127.");
  EXPECT_EQ(CidrRange::parse("127.66.7.0/24")->textPrefix(), "127.66.7.");
  EXPECT_EQ(CidrRange::parse("127.66.16.0/20")->textPrefix(), "");
}

// Every address once a pass, whatever the count; consecutive turns far apart: the 150 connections
// of the distributed flood's slots at one moment come from most of its /24s, not one or two.
TEST(ScatteredOrder, TakesEachAddressOnceAPassSpreadOverTheRange) {
  for (uint64_t n : {1, 2, 3, 4, 10, 100, 256, 1000, 20000}) {
    ScatteredOrder order(n);
    std::set<uint64_t> seen;
    for (uint64_t i = 0; i < n; ++i) {
      EXPECT_LT(order(i), n);
      seen.insert(order(i));
    }
    EXPECT_EQ(seen.size(), n) << n;
    EXPECT_EQ(order(n + 5), order(5)) << n;
  }
  auto range = CidrRange::parse("127.66.0.0/16");
  ASSERT_TRUE(range.ok());
  ScatteredOrder order(20000);
  std::set<uint32_t> networks;
  for (uint64_t i = 0; i < 150; ++i) networks.insert(range->at(order(i)) >> 8);
  EXPECT_GE(networks.size(), 60u);  // of 79 /24s holding the 20,000 addresses
}

}  // namespace
}  // namespace floodgate::storm
