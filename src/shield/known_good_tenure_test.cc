#include <gtest/gtest.h>

#include "shield/known_good.h"

namespace floodgate::shield {
namespace {

TEST(KnownGoodTenure, ASuccessMakesAClientKnownGoodOnlyAfterTheTenure) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet set(1024, t0);
  set.setMinTenure(std::chrono::seconds(10));
  IpKey regular = IpKey::fromV4(0x7f0a0001), newcomer = IpKey::fromV4(0x7f420001);
  for (int s = 0; s <= 12; ++s) set.noteSuccess(regular, t0 + std::chrono::seconds(s));
  EXPECT_FALSE(set.isKnownGood(regular, t0 + std::chrono::seconds(5)));
  EXPECT_TRUE(set.isKnownGood(regular, t0 + std::chrono::seconds(12)));
  // A flood source answered at once is not a regular a second later.
  set.noteSuccess(newcomer, t0 + std::chrono::seconds(12));
  EXPECT_FALSE(set.isKnownGood(newcomer, t0 + std::chrono::seconds(13)));
}

TEST(KnownGoodTenure, ARefusalRestartsATenureNotYetEarned) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet set(1024, t0);
  set.setMinTenure(std::chrono::seconds(10));
  IpKey flooder = IpKey::fromV4(0x7f420002), regular = IpKey::fromV4(0x7f0a0003);
  // Served its rate limit's worth every second, the rest of its flood refused: never a regular.
  for (int s = 0; s <= 30; ++s) {
    set.noteSuccess(flooder, t0 + std::chrono::seconds(s));
    set.noteRefused(flooder, t0 + std::chrono::seconds(s));
    set.noteSuccess(regular, t0 + std::chrono::seconds(s));
  }
  EXPECT_FALSE(set.isKnownGood(flooder, t0 + std::chrono::seconds(30)));
  EXPECT_TRUE(set.isKnownGood(regular, t0 + std::chrono::seconds(30)));
  // A regular over its limit once keeps the tenure it earned.
  set.noteRefused(regular, t0 + std::chrono::seconds(31));
  EXPECT_TRUE(set.isKnownGood(regular, t0 + std::chrono::seconds(31)));
  // The flooder that stops being refused earns it like anyone: ten seconds of successes.
  for (int s = 31; s <= 42; ++s) set.noteSuccess(flooder, t0 + std::chrono::seconds(s));
  EXPECT_FALSE(set.isKnownGood(flooder, t0 + std::chrono::seconds(39)));
  EXPECT_TRUE(set.isKnownGood(flooder, t0 + std::chrono::seconds(42)));
}

TEST(KnownGoodTenure, NoTenureByDefault) {
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet set(1024, t0);
  IpKey client = IpKey::fromV4(0x7f0a0002);
  set.noteSuccess(client, t0);
  EXPECT_TRUE(set.isKnownGood(client, t0 + std::chrono::seconds(1)));
}

}  // namespace
}  // namespace floodgate::shield
