// ChallengeKeys: the challenge action's token — a cookie carrying an HMAC-SHA256 over the
// client's prefix, a key epoch and an expiry, handed out with a redirect. A client that keeps
// cookies comes back with it and passes; a flood tool that does not never gets past the
// redirect. Verifying needs no per-client state: everything is in the token and the secret.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "shield/ip_prefix.h"

namespace floodgate::shield {

// What a config says about challenges (the secret is the process's own).
struct ChallengeSettings {
  Duration cookie_ttl = std::chrono::minutes(30);
  // Keys change every `rotation`; a token signed with the current or the previous key is
  // accepted, so a token lives at most cookie_ttl, and never past its key's second period.
  Duration rotation = std::chrono::hours(1);
  unsigned prefix_v4 = 24;  // the token is good for the client's whole /24 (NAT, dual uplinks)
  unsigned prefix_v6 = 64;
};

enum class ChallengeVerdict : uint8_t {
  kValid,
  kMalformed,  // absent, wrong length or not our format
  kExpired,    // past its expiry, or signed with a key older than the previous one
  kForged,     // the MAC does not match: another prefix, or a made-up token
};

class ChallengeKeys {
 public:
  // Token: "EEEEEEEE.XXXXXXXX.MMMM…" — epoch and expiry (seconds from `origin`) in 8 hex digits
  // each, then 128 bits of the MAC in 32 hex digits.
  static constexpr size_t kTokenChars = 8 + 1 + 8 + 1 + 32;

  // A random master secret; epochs and expiries count from `origin`.
  explicit ChallengeKeys(MonoTime origin);
  ChallengeKeys(const std::array<uint8_t, 32>& master, MonoTime origin);

  // Writes a token for `client` (bound to its prefix) into out[kTokenChars].
  void issue(const IpKey& client, MonoTime now, const ChallengeSettings& settings,
             char* out) const;
  ChallengeVerdict verify(const IpKey& client, std::string_view token, MonoTime now,
                          const ChallengeSettings& settings) const;

 private:
  struct MacKey;
  // The key for `epoch`, derived from the master secret and cached per thread (two epochs
  // live at a time), so the request path costs two SHA-256 blocks and no allocation.
  const MacKey& keyFor(uint32_t epoch) const;
  void mac(const IpKey& client, uint32_t epoch, uint32_t expiry,
           const ChallengeSettings& settings, uint8_t out[32]) const;
  uint32_t secondsAt(MonoTime t) const;

  std::array<uint8_t, 32> master_;
  MonoTime origin_;
  uint64_t instance_;  // tells this object's cached keys from another's on the same thread
};

// The value of cookie `name` in one Cookie header value ("a=1; fg_challenge=x"), or empty.
std::string_view findCookie(std::string_view header_value, std::string_view name);

}  // namespace floodgate::shield
