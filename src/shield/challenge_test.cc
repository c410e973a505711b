#include "shield/challenge.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace floodgate::shield {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr std::array<uint8_t, 32> kMaster = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                             30, 31, 32};
const MonoTime kOrigin = MonoTime(seconds(1000));

IpKey v4(const char* text) { return IpKey::parse(text).value(); }

std::string issue(const ChallengeKeys& keys, const IpKey& client, MonoTime now,
                  const ChallengeSettings& settings = {}) {
  std::string token(ChallengeKeys::kTokenChars, '\0');
  keys.issue(client, now, settings, token.data());
  return token;
}

TEST(ChallengeTest, TokenPassesForTheWholePrefixAndNoOtherPrefix) {
  ChallengeKeys keys(kMaster, kOrigin);
  MonoTime now = kOrigin + minutes(5);
  std::string token = issue(keys, v4("198.51.100.7"), now);
  ChallengeSettings s;
  EXPECT_EQ(keys.verify(v4("198.51.100.7"), token, now, s), ChallengeVerdict::kValid);
  EXPECT_EQ(keys.verify(v4("198.51.100.200"), token, now, s), ChallengeVerdict::kValid);
  EXPECT_EQ(keys.verify(v4("198.51.101.7"), token, now, s), ChallengeVerdict::kForged);
  IpKey a = IpKey::parse("2001:db8:1:2::1").value();
  std::string t6 = issue(keys, a, now);
  EXPECT_EQ(keys.verify(IpKey::parse("2001:db8:1:2:ffff::9").value(), t6, now, s),
            ChallengeVerdict::kValid);
  EXPECT_EQ(keys.verify(IpKey::parse("2001:db8:1:3::1").value(), t6, now, s),
            ChallengeVerdict::kForged);
}

TEST(ChallengeTest, TokenExpiresAfterItsTtl) {
  ChallengeKeys keys(kMaster, kOrigin);
  ChallengeSettings s;
  s.cookie_ttl = minutes(10);
  MonoTime now = kOrigin + minutes(1);
  std::string token = issue(keys, v4("10.0.0.1"), now, s);
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), token, now + minutes(9), s), ChallengeVerdict::kValid);
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), token, now + minutes(10), s), ChallengeVerdict::kExpired);
}

TEST(ChallengeTest, PreviousKeyIsAcceptedAndTheOneBeforeIsNot) {
  ChallengeKeys keys(kMaster, kOrigin);
  ChallengeSettings s;
  s.rotation = minutes(10);
  s.cookie_ttl = hours(5);  // only the rotation retires these tokens
  MonoTime now = kOrigin + minutes(9);
  std::string token = issue(keys, v4("10.0.0.1"), now, s);
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), token, kOrigin + minutes(15), s), ChallengeVerdict::kValid);
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), token, kOrigin + minutes(20), s),
            ChallengeVerdict::kExpired);
  // A token for the new epoch is signed with a different key.
  std::string later = issue(keys, v4("10.0.0.1"), kOrigin + minutes(15), s);
  EXPECT_NE(token.substr(18), later.substr(18));
}

TEST(ChallengeTest, TamperedOrForeignTokensAreRefused) {
  ChallengeKeys keys(kMaster, kOrigin);
  ChallengeSettings s;
  MonoTime now = kOrigin + minutes(1);
  std::string token = issue(keys, v4("10.0.0.1"), now);
  std::string later_expiry = token;
  later_expiry[16] = later_expiry[16] == 'f' ? 'e' : 'f';  // move the expiry
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), later_expiry, now, s), ChallengeVerdict::kForged);
  std::string bad_mac = token;
  bad_mac.back() = bad_mac.back() == '0' ? '1' : '0';
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), bad_mac, now, s), ChallengeVerdict::kForged);
  std::string future = token;
  future[7] = '9';  // an epoch never issued
  EXPECT_EQ(keys.verify(v4("10.0.0.1"), future, now, s), ChallengeVerdict::kForged);
  for (std::string bad : {std::string(), token.substr(1), token + "0",
                          std::string(token).replace(8, 1, "-"), std::string(token).replace(20, 1, "G")}) {
    EXPECT_EQ(keys.verify(v4("10.0.0.1"), bad, now, s), ChallengeVerdict::kMalformed) << bad;
  }
  std::array<uint8_t, 32> other = kMaster;
  other[0] ^= 1;
  ChallengeKeys stranger(other, kOrigin);
  EXPECT_EQ(stranger.verify(v4("10.0.0.1"), token, now, s), ChallengeVerdict::kForged);
  // Another instance with the same secret (a second process sharing it) agrees.
  ChallengeKeys twin(kMaster, kOrigin);
  EXPECT_EQ(twin.verify(v4("10.0.0.1"), token, now, s), ChallengeVerdict::kValid);
}

// The precomputed-pad MAC is HMAC-SHA256 as OpenSSL computes it in one call.
TEST(ChallengeTest, MacIsHmacSha256UnderTheEpochKey) {
  ChallengeKeys keys(kMaster, kOrigin);
  std::string token = issue(keys, v4("192.0.2.77"), kOrigin + seconds(42));
  // epoch 0, expiry 42 + 1800 = 0x732 s.
  EXPECT_EQ(token.substr(0, 18), "00000000.00000732.");
  uint8_t label[24] = "floodgate challenge";  // epoch 0 in the last four bytes
  uint8_t key[32];
  unsigned key_len = 0;
  HMAC(EVP_sha256(), kMaster.data(), 32, label, sizeof(label), key, &key_len);
  uint8_t msg[25] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0, 120,
                     0, 0, 0, 0, 0, 0, 0x07, 0x32};
  uint8_t mac[32];
  unsigned mac_len = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_len), msg, sizeof(msg), mac, &mac_len);
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    char b[3];
    std::snprintf(b, sizeof(b), "%02x", mac[i]);
    hex += b;
  }
  EXPECT_EQ(token.substr(18), hex);
}

TEST(ChallengeTest, FindCookie) {
  EXPECT_EQ(findCookie("fg=abc", "fg"), "abc");
  EXPECT_EQ(findCookie("a=1; fg=abc; b=2", "fg"), "abc");
  EXPECT_EQ(findCookie("a=1;fg=abc", "fg"), "abc");
  EXPECT_EQ(findCookie("xfg=abc; fgx=1", "fg"), "");
  EXPECT_EQ(findCookie("fg", "fg"), "");
  EXPECT_EQ(findCookie("", "fg"), "");
  EXPECT_EQ(findCookie("a=1; fg=", "fg"), "");
}

}  // namespace
}  // namespace floodgate::shield
