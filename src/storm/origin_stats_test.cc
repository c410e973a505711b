#include "storm/origin_stats.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(OriginStats, SumsTheSourcesOfARange) {
  const char* reply = R"({"name":"origin","requests":100,"served":90,"rejected":10,
    "sources":{"127.66.0.1":{"requests":10,"served":8,"rejected":2,"failed":0,"bytes":1},
               "127.66.9.9":{"requests":5,"served":5,"rejected":0,"failed":0,"bytes":1},
               "127.67.0.1":{"requests":40,"served":40,"rejected":0,"failed":0,"bytes":1},
               "other":{"requests":45,"served":37,"rejected":8,"failed":0,"bytes":1}}})";
  auto counts = parseOriginStats(reply, *CidrRange::parse("127.66.0.0/16"));
  ASSERT_TRUE(counts.ok()) << counts.error();
  EXPECT_EQ(counts->requests, 15u);
  EXPECT_EQ(counts->served, 13u);
  EXPECT_EQ(counts->rejected, 2u);
  auto narrow = parseOriginStats(reply, *CidrRange::parse("127.66.8.0/21"));
  EXPECT_EQ(narrow->requests, 5u);
}

TEST(OriginStats, RefusesWhatIsNotTheOrigin) {
  EXPECT_FALSE(parseOriginStats("<html>", *CidrRange::parse("127.66.0.0/16")).ok());
  EXPECT_FALSE(parseOriginStats(R"({"requests":1})", *CidrRange::parse("127.66.0.0/16")).ok());
}

TEST(OriginStats, QueryPrefix) {
  EXPECT_EQ(queryPrefixFor(*CidrRange::parse("127.66.0.0/16")), "127.66.");
  EXPECT_EQ(queryPrefixFor(*CidrRange::parse("127.66.16.0/20")), "127.66.");
  EXPECT_EQ(queryPrefixFor(*CidrRange::parse("127.66.1.7")), "127.66.1.");
}

TEST(OriginCounts, SinceNeverGoesNegative) {
  OriginCounts before{100, 90, 10, 0}, after{150, 130, 20, 0}, reset{5, 5, 0, 0};
  auto d = after.since(before);
  EXPECT_EQ(d.requests, 50u);
  EXPECT_EQ(d.served, 40u);
  EXPECT_EQ(reset.since(before).requests, 0u);
}

}  // namespace
}  // namespace floodgate::storm
