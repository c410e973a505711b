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

// A set with the gateway's ten-second tenure, and the clock of the tests below.
class KnownGoodRuns : public testing::Test {
 protected:
  KnownGoodRuns() { set.setMinTenure(std::chrono::seconds(10)); }
  MonoTime at(int s) const { return t0 + std::chrono::seconds(s); }
  MonoTime t0 = MonoTime(std::chrono::seconds(1000));
  KnownGoodSet set{1024, t0};
};

// A network (its /24 here) is known-good when one of its clients is, by the same rules: the
// kernel drop's network ladder never drops a network a regular lives in.
TEST_F(KnownGoodRuns, ANetworkIsKnownGoodWhenOneOfItsClientsIs) {
  IpKey regular = IpKey::fromV4(0x7f0a0005), neighbour = IpKey::fromV4(0x7f0a00f0);
  IpKey flooder = IpKey::fromV4(0x7f420007), late = IpKey::fromV4(0x7f430001);
  EXPECT_EQ(set.networkOf(neighbour).toString(), "127.10.0.0/24");
  for (int s = 0; s <= 12; ++s) {
    set.noteSuccess(regular, at(s));
    set.noteSuccess(flooder, at(s));  // served its limit's worth, the rest refused
    set.noteRefused(flooder, at(s));
  }
  EXPECT_FALSE(set.hasKnownGood(set.networkOf(neighbour), at(5)));  // not before the tenure
  EXPECT_TRUE(set.hasKnownGood(set.networkOf(neighbour), at(12)));
  EXPECT_FALSE(set.isKnownGood(neighbour, at(12)));  // the network is, not every client in it
  EXPECT_FALSE(set.hasKnownGood(set.networkOf(flooder), at(12)));
  // A network first served during an anomaly is not known-good while it lasts.
  set.beginAnomaly(at(13));
  for (int s = 14; s <= 30; ++s) set.noteSuccess(late, at(s));
  EXPECT_FALSE(set.hasKnownGood(set.networkOf(late), at(30)));
  EXPECT_TRUE(set.hasKnownGood(set.networkOf(regular), at(30)));
  set.endAnomaly();
  EXPECT_TRUE(set.hasKnownGood(set.networkOf(late), at(30)));

  KnownGoodSet wide(1024, t0);  // the networks are the observation's: here /16
  wide.setPrefixLengths(16, 48);
  wide.noteSuccess(regular, t0);
  EXPECT_TRUE(wide.hasKnownGood(wide.networkOf(IpKey::fromV4(0x7f0aff01)), at(1)));
}

// The tenure is a run of successes, not time since the first: a flood source answered at its
// start, then refused, then silent (its flood dropped in the kernel, or between pulses) is no
// regular when it comes back, however long it waited — while a regular back after a pause is.
TEST_F(KnownGoodRuns, WaitingSilentlyEarnsNoTenure) {
  IpKey flooder = IpKey::fromV4(0x7f420009), once = IpKey::fromV4(0x7f43000a);
  IpKey regular = IpKey::fromV4(0x7f0a000b);
  set.noteSuccess(flooder, at(0));  // served before the rules
  set.noteRefused(flooder, at(1));
  set.noteRefused(flooder, at(2));
  EXPECT_FALSE(set.isKnownGood(flooder, at(30)));  // silent since: still nobody
  EXPECT_FALSE(set.isKnownGood(flooder, at(100)));
  set.noteSuccess(once, at(0));  // one success, nothing after: no run yet
  EXPECT_FALSE(set.isKnownGood(once, at(30)));
  set.noteSuccess(once, at(31));  // back: a run from 0 to 31
  EXPECT_TRUE(set.isKnownGood(once, at(31)));
  for (int s = 0; s <= 10; ++s) set.noteSuccess(regular, at(s));
  EXPECT_TRUE(set.isKnownGood(regular, at(60)));  // a pause does not undo a run
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
