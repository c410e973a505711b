#include "shield/challenge.h"

// The low-level SHA-256 calls are deprecated in OpenSSL 3 in favour of EVP, whose HMAC
// allocates a context per call; a precomputed pad state copied by value does not.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <random>

namespace floodgate::shield {

struct ChallengeKeys::MacKey {
  SHA256_CTX inner;  // SHA-256 state after (key ^ ipad)
  SHA256_CTX outer;  // after (key ^ opad)
};

namespace {

std::atomic<uint64_t> next_instance{1};

constexpr char kHex[] = "0123456789abcdef";

void putHex32(uint32_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
}

bool getHex32(std::string_view s, uint32_t* v) {
  uint32_t x = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    x = (x << 4) | static_cast<uint32_t>(d);
  }
  *v = x;
  return true;
}

void putBe32(uint32_t v, uint8_t* out) {
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint32_t wholeSeconds(Duration d) {
  return static_cast<uint32_t>(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(d).count()));
}

std::array<uint8_t, 32> randomMaster() {
  std::array<uint8_t, 32> master{};
  if (RAND_bytes(master.data(), static_cast<int>(master.size())) != 1) {
    std::random_device rd;  // OpenSSL's generator failed: the OS's is as good for a key
    for (auto& b : master) b = static_cast<uint8_t>(rd());
  }
  return master;
}

}  // namespace

ChallengeKeys::ChallengeKeys(MonoTime origin) : ChallengeKeys(randomMaster(), origin) {}

ChallengeKeys::ChallengeKeys(const std::array<uint8_t, 32>& master, MonoTime origin)
    : master_(master), origin_(origin), instance_(next_instance.fetch_add(1)) {}

uint32_t ChallengeKeys::secondsAt(MonoTime t) const {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t - origin_).count();
  return static_cast<uint32_t>(std::clamp<int64_t>(s, 0, UINT32_MAX));
}

const ChallengeKeys::MacKey& ChallengeKeys::keyFor(uint32_t epoch) const {
  struct Cached {
    uint64_t instance = 0;
    uint32_t epoch = 0;
    MacKey key;
  };
  thread_local Cached cache[2];  // the current epoch and the previous one: odd and even
  Cached& c = cache[epoch & 1];
  if (c.instance == instance_ && c.epoch == epoch) return c.key;
  // key(epoch) = HMAC(master, "floodgate challenge" || epoch): a rotation needs no shared
  // state, and a key never lets anyone work out the master or another epoch's key.
  uint8_t label[24] = "floodgate challenge";
  putBe32(epoch, label + 20);
  uint8_t key[32];
  unsigned key_len = sizeof(key);
  HMAC(EVP_sha256(), master_.data(), static_cast<int>(master_.size()), label, sizeof(label), key,
       &key_len);
  uint8_t pad[SHA256_CBLOCK];
  for (size_t i = 0; i < sizeof(pad); ++i) pad[i] = (i < key_len ? key[i] : 0) ^ 0x36;
  SHA256_Init(&c.key.inner);
  SHA256_Update(&c.key.inner, pad, sizeof(pad));
  for (size_t i = 0; i < sizeof(pad); ++i) pad[i] = (i < key_len ? key[i] : 0) ^ 0x5c;
  SHA256_Init(&c.key.outer);
  SHA256_Update(&c.key.outer, pad, sizeof(pad));
  OPENSSL_cleanse(key, sizeof(key));
  c.instance = instance_;
  c.epoch = epoch;
  return c.key;
}

void ChallengeKeys::mac(const IpKey& client, uint32_t epoch, uint32_t expiry,
                        const ChallengeSettings& settings, uint8_t out[32]) const {
  IpPrefix prefix = prefixOf(client, client.isV4() ? settings.prefix_v4 : settings.prefix_v6);
  uint8_t msg[16 + 1 + 4 + 4];
  prefix.base.toBytes(msg);
  msg[16] = prefix.length;
  putBe32(epoch, msg + 17);
  putBe32(expiry, msg + 21);
  const MacKey& key = keyFor(epoch);
  uint8_t inner[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = key.inner;
  SHA256_Update(&ctx, msg, sizeof(msg));
  SHA256_Final(inner, &ctx);
  ctx = key.outer;
  SHA256_Update(&ctx, inner, sizeof(inner));
  SHA256_Final(out, &ctx);
}

void ChallengeKeys::issue(const IpKey& client, MonoTime now, const ChallengeSettings& settings,
                          char* out) const {
  uint32_t sec = secondsAt(now);
  uint32_t epoch = sec / wholeSeconds(settings.rotation);
  uint32_t expiry = sec + wholeSeconds(settings.cookie_ttl);
  uint8_t digest[32];
  mac(client, epoch, expiry, settings, digest);
  putHex32(epoch, out);
  out[8] = '.';
  putHex32(expiry, out + 9);
  out[17] = '.';
  for (size_t i = 0; i < 16; ++i) {
    out[18 + 2 * i] = kHex[digest[i] >> 4];
    out[19 + 2 * i] = kHex[digest[i] & 0xf];
  }
}

ChallengeVerdict ChallengeKeys::verify(const IpKey& client, std::string_view token, MonoTime now,
                                       const ChallengeSettings& settings) const {
  uint32_t epoch = 0, expiry = 0;
  if (token.size() != kTokenChars || token[8] != '.' || token[17] != '.' ||
      !getHex32(token.substr(0, 8), &epoch) || !getHex32(token.substr(9, 8), &expiry)) {
    return ChallengeVerdict::kMalformed;
  }
  uint8_t claimed[16];
  for (size_t i = 0; i < 16; ++i) {
    uint32_t byte = 0;
    if (!getHex32(token.substr(18 + 2 * i, 2), &byte)) return ChallengeVerdict::kMalformed;
    claimed[i] = static_cast<uint8_t>(byte);
  }
  uint32_t sec = secondsAt(now);
  uint32_t current = sec / wholeSeconds(settings.rotation);
  // A future epoch was never issued: refuse before deriving a key for it.
  if (epoch > current) return ChallengeVerdict::kForged;
  if (epoch + 1 < current || expiry <= sec) return ChallengeVerdict::kExpired;
  uint8_t digest[32];
  mac(client, epoch, expiry, settings, digest);
  return CRYPTO_memcmp(digest, claimed, sizeof(claimed)) == 0 ? ChallengeVerdict::kValid
                                                               : ChallengeVerdict::kForged;
}

std::string_view findCookie(std::string_view header_value, std::string_view name) {
  while (!header_value.empty()) {
    size_t end = header_value.find(';');
    std::string_view pair = header_value.substr(0, end);
    header_value = end == std::string_view::npos ? std::string_view() : header_value.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    if (pair.size() > name.size() && pair[name.size()] == '=' &&
        pair.substr(0, name.size()) == name) {
      return pair.substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace floodgate::shield
