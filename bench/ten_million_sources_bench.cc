// Ten million distinct sources through the gateway's own shield structures — ShieldState
// (per-source connection table, shared rate-limit table, known-good set, origin gate) and two
// workers' observations (count-min sketches, heavy hitters) merged into the detector each
// simulated second — reporting peak RSS (VmHWM) before and after. Real sockets cannot bring
// ten million addresses to one machine; the structures are the same ones the request path uses.
// Run: ninja -C build/release ten_million_sources_bench && build/release/ten_million_sources_bench [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "config/config.h"
#include "proxy/shield_runtime.h"
#include "shield/detector.h"
#include "shield/observation.h"

namespace {

long statusKiB(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace floodgate;
  uint64_t sources = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  constexpr uint64_t kPerSecond = 200'000;  // distinct new sources per simulated second
  config::Shield config;  // the defaults a gateway runs with
  proxy::ShieldState state(config, 2);
  shield::WorkerObservation workers[2] = {
      shield::WorkerObservation(state.observationConfig(), &state.knownGood()),
      shield::WorkerObservation(state.observationConfig(), &state.knownGood())};
  shield::WorkerObservation merged(state.observationConfig());
  shield::Detector detector({}, &state.knownGood());
  shield::RateSpec spec = shield::RateSpec::perSecond(20, 40);
  shield::OriginGate* gate = state.originGate(0);
  long rss_before = statusKiB("VmRSS:"), hwm_before = statusKiB("VmHWM:");
  std::printf("structures built: VmRSS %ld KiB, VmHWM %ld KiB\n", rss_before, hwm_before);

  MonoTime now = MonoTime(std::chrono::seconds(1000));
  auto started = std::chrono::steady_clock::now();
  uint64_t refused = 0, limited = 0, findings = 0;
  for (uint64_t i = 0; i < sources; ++i) {
    // Distinct addresses spread over 10.0.0.0/8 and 2001:db8::/32, as a spoofed flood's are.
    shield::IpKey key = (i & 1) ? shield::IpKey::fromV4(0x0a000000u + static_cast<uint32_t>(i >> 1))
                                : shield::IpKey{0x20010db800000000ULL | (i >> 1), i * 0x9e3779b97f4a7c15ULL};
    shield::WorkerObservation& obs = workers[i & 1];
    shield::OpenDecision open = state.connections().tryOpen(key, now);
    if (!open.allowed) ++refused;
    bool known_good = state.knownGood().isKnownGood(key, now);
    shield::RateDecision d = state.rates().admit(shield::hashKey(key, state.rateSeed()), spec, now);
    if (!d.allowed) ++limited;
    obs.recordRequest(key, i % 97, 0, known_good);
    if (gate->tryAcquire(shield::classifyRequest(known_good, false, false))) {
      gate->release(false, std::chrono::milliseconds(5), now);
    }
    obs.recordResponse(key, 200, std::chrono::milliseconds(5), true, now);
    if (open.tracked) state.connections().close(key);
    if ((i + 1) % kPerSecond == 0) {
      merged.reset();
      for (auto& w : workers) {
        (void)merged.merge(w);
        w.reset();
      }
      findings += detector.tick(merged, now).size();
      state.tuneOriginLimits();
      now += std::chrono::seconds(1);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  long rss_after = statusKiB("VmRSS:"), hwm_after = statusKiB("VmHWM:");
  std::printf("%llu distinct sources in %.1f s (%.0f ns each), %llu simulated seconds\n",
              static_cast<unsigned long long>(sources), secs, secs * 1e9 / static_cast<double>(sources),
              static_cast<unsigned long long>(sources / kPerSecond));
  std::printf("refused at open %llu, rate-limited %llu, detector findings %llu\n",
              static_cast<unsigned long long>(refused), static_cast<unsigned long long>(limited),
              static_cast<unsigned long long>(findings));
  std::printf("after: VmRSS %ld KiB, VmHWM %ld KiB (peak grew %ld KiB)\n", rss_after, hwm_after,
              hwm_after - hwm_before);
  return 0;
}
