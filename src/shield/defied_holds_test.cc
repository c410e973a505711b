#include "shield/defied_holds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace floodgate::shield {
namespace {

MonoTime at(int64_t ms) { return MonoTime(milliseconds(1'000'000 + ms)); }

IpKey v4(uint32_t i) { return IpKey::fromV4(0x0a000000u + i); }

std::vector<uint64_t> hashes(const DefiedHolds& d) {
  std::vector<uint64_t> out;
  for (const auto& e : d) out.push_back(e.hash);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DefiedHolds, KeepsTheLatestEndOfASourcesHolds) {
  DefiedHolds d;
  d.record(7, v4(7), at(2000));
  d.record(7, v4(7), at(1000));
  d.record(8, v4(8), at(500));
  ASSERT_EQ(d.size(), 2u);
  for (const auto& e : d) EXPECT_EQ(e.until, e.hash == 7 ? at(2000) : at(500));
  d.reset();
  EXPECT_EQ(d.size(), 0u);
}

TEST(DefiedHolds, WhenFullKeepsTheSmallestHashesWhateverTheOrder) {
  // The same sources, offered in two orders, leave the same ones: a stable selection from tick
  // to tick, so the kept ones build a streak and are escalated.
  DefiedHolds up, down;
  const uint32_t n = DefiedHolds::kCapacity * 3;
  for (uint32_t i = 0; i < n; ++i) up.record(1000 + i, v4(i), at(i));
  for (uint32_t i = n; i-- > 0;) down.record(1000 + i, v4(i), at(i));
  ASSERT_EQ(up.size(), DefiedHolds::kCapacity);
  EXPECT_EQ(hashes(up), hashes(down));
  EXPECT_EQ(hashes(up).back(), 1000 + DefiedHolds::kCapacity - 1);
}

TEST(DefiedHolds, MergeIsTheSelectionOfTheUnion) {
  DefiedHolds a, b, all;
  for (uint32_t i = 0; i < DefiedHolds::kCapacity; ++i) {
    a.record(2 * i, v4(2 * i), at(10));
    b.record(2 * i + 1, v4(2 * i + 1), at(20));
    all.record(2 * i, v4(2 * i), at(10));
    all.record(2 * i + 1, v4(2 * i + 1), at(20));
  }
  b.record(0, v4(0), at(30));  // a source held on two workers: the later end wins
  a.merge(b);
  EXPECT_EQ(hashes(a), hashes(all));
  auto zero = std::find_if(a.begin(), a.end(), [](const auto& e) { return e.hash == 0; });
  ASSERT_NE(zero, a.end());
  EXPECT_EQ(zero->until, at(30));
}

}  // namespace
}  // namespace floodgate::shield
