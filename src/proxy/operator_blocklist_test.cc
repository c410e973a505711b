#include "proxy/operator_blocklist.h"

#include <gtest/gtest.h>

namespace floodgate::proxy {
namespace {

shield::IpKey ip(const char* text) { return *shield::IpKey::parse(text); }

admin::BlockRequest block(std::string prefix, Duration ttl = Duration{0}, std::string reason = "") {
  return {std::move(prefix), std::move(reason), ttl};
}

TEST(OperatorBlocklistTest, EntriesAreMergedIntoTheSnapshotBlocklist) {
  ManualClock clock;
  OperatorBlocklist list;
  auto added = list.add(block("203.0.113.7", seconds(60), "drill"), clock.now(), 1000);
  ASSERT_TRUE(added.ok()) << added.error();
  EXPECT_EQ((*added)["prefix"], "203.0.113.7/32");
  EXPECT_EQ((*added)["reason"], "drill");
  EXPECT_EQ((*added)["ttl_s"], 60);
  ASSERT_TRUE(list.add(block("10.0.0.0/8"), clock.now(), 1000).ok());

  shield::BlocklistBuilder config;
  ASSERT_TRUE(
      config.add("198.51.100.0/24", MonoTime::max(), shield::BlockOrigin::kOperator, "cfg").ok());
  auto merged = list.mergeInto(*config.build(1), clock.now());
  EXPECT_EQ(merged->size(), 3u);
  EXPECT_TRUE(merged->contains(ip("203.0.113.7"), clock.now()));
  EXPECT_TRUE(merged->contains(ip("10.9.8.7"), clock.now()));
  EXPECT_TRUE(merged->contains(ip("198.51.100.1"), clock.now()));
  EXPECT_FALSE(merged->contains(ip("203.0.113.8"), clock.now()));
  // The published snapshot stops matching at the expiry by itself...
  EXPECT_FALSE(merged->contains(ip("203.0.113.7"), clock.now() + seconds(61)));
  // ...and the list forgets the entry once it is past.
  clock.advance(seconds(61));
  EXPECT_EQ(list.describe(clock.now())["entries"].size(), 1u);
  EXPECT_EQ(list.size(), 1u);
}

TEST(OperatorBlocklistTest, AddingAgainReplacesRemovingNeedsTheSamePrefix) {
  ManualClock clock;
  OperatorBlocklist list;
  ASSERT_TRUE(list.add(block("203.0.113.0/24", seconds(10)), clock.now(), 0).ok());
  ASSERT_TRUE(list.add(block("203.0.113.0/24", Duration{0}, "for good"), clock.now(), 0).ok());
  auto entries = list.describe(clock.now())["entries"];
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0]["ttl_s"].is_null());
  EXPECT_EQ(entries[0]["reason"], "for good");
  EXPECT_FALSE(*list.remove("203.0.113.0/25"));
  EXPECT_FALSE(list.remove("not an address").ok());
  EXPECT_TRUE(*list.remove("203.0.113.0/24"));
  EXPECT_EQ(list.size(), 0u);
}

TEST(OperatorBlocklistTest, BadPrefixesChangeNothing) {
  ManualClock clock;
  OperatorBlocklist list;
  for (const char* bad : {"", "203.0.113.300", "10.0.0.1/8", "10.0.0.0/33", "example.com"}) {
    auto r = list.add(block(bad), clock.now(), 0);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(
      list.add(block("10.0.0.1", Duration{0}, std::string(2000, 'x')), clock.now(), 0).ok());
  EXPECT_EQ(list.size(), 0u);
}

}  // namespace
}  // namespace floodgate::proxy
