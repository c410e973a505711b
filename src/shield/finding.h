// Finding: one thing the detector noticed in a tick — what, about whom, and the numbers that
// triggered it — the input to a proposed mitigation rule and to the event log.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "shield/ip_prefix.h"

namespace floodgate::shield {

enum class FindingKind : uint8_t {
  kVolumeAnomaly,     // a request-rate series far above its learned baseline
  kHeavySource,       // one address sends far more than its share
  kHeavyPrefix,       // one /24 (v4) or /64 (v6) does
  kHeavyFingerprint,  // one request shape does
  kOriginStress,      // the origin is slow, failing or saturated
};
const char* findingKindName(FindingKind kind);  // "volume_anomaly", "heavy_source", ...

struct Finding {
  FindingKind kind = FindingKind::kVolumeAnomaly;
  // The subject; which fields mean something depends on kind.
  IpKey source;              // kHeavySource
  IpPrefix prefix;           // kHeavySource (its host prefix) and kHeavyPrefix
  uint64_t fingerprint = 0;  // kHeavyFingerprint
  int route = -1;            // kHeavyFingerprint: the route it was seen on; kVolumeAnomaly: route
  bool shared = false;       // kHeavyFingerprint: regular clients use it too (it had a baseline)
  std::string series;        // kVolumeAnomaly: "overall", "route 3", "status 4xx"; else ""
  // The numbers. Rates are per second; for kOriginStress rate/baseline are p99 latency in ms.
  double rate = 0;
  double baseline = 0;
  double share = 0;      // of the tick's requests (heavy hitters)
  double threshold = 0;  // the share (heavy hitters) or rate (volume, origin) it had to pass
  MonoTime started_at;   // first tick of this finding's current run
  std::string evidence;  // human-readable, with the numbers above
};

}  // namespace floodgate::shield
