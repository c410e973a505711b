// What the challenge costs on the request path: verifying a cookie, issuing one, and, for
// comparison, OpenSSL's one-call HMAC (which allocates a context each time).
// Run: ninja -C build/release challenge_bench && build/release/challenge_bench
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "shield/challenge.h"

namespace floodgate::shield {
namespace {

const MonoTime kOrigin = MonoTime(std::chrono::seconds(1000));

// Verifying the token issued for `client`, or that token with its MAC's last digit changed.
void verifyLoop(benchmark::State& state, bool forged) {
  ChallengeKeys keys(kOrigin);
  ChallengeSettings settings;
  IpKey client = IpKey::fromV4(0xc6336407);
  MonoTime now = kOrigin + std::chrono::minutes(3);
  std::string token(ChallengeKeys::kTokenChars, '\0');
  keys.issue(client, now, settings, token.data());
  if (forged) token.back() = token.back() == '0' ? '1' : '0';
  for (auto _ : state) {
    benchmark::DoNotOptimize(keys.verify(client, token, now, settings));
  }
}

void BM_ChallengeVerify(benchmark::State& state) { verifyLoop(state, false); }
BENCHMARK(BM_ChallengeVerify);

void BM_ChallengeVerifyForged(benchmark::State& state) { verifyLoop(state, true); }
BENCHMARK(BM_ChallengeVerifyForged);

void BM_ChallengeIssue(benchmark::State& state) {
  ChallengeKeys keys(kOrigin);
  ChallengeSettings settings;
  MonoTime now = kOrigin + std::chrono::minutes(3);
  char token[ChallengeKeys::kTokenChars];
  uint32_t ip = 0x0a000000;
  for (auto _ : state) {
    keys.issue(IpKey::fromV4(ip++), now, settings, token);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_ChallengeIssue);

void BM_OpenSslOneCallHmac(benchmark::State& state) {
  uint8_t key[32] = {1, 2, 3};
  uint8_t msg[25] = {4, 5, 6};
  uint8_t out[32];
  unsigned len = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), key, sizeof(key), msg, sizeof(msg), out, &len);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_OpenSslOneCallHmac);

}  // namespace
}  // namespace floodgate::shield

BENCHMARK_MAIN();
