// What the gateway tells the status engine about one component, once a second. The seam
// between the data plane's observations (upstream health and failover, request counts, latency, the
// detector) and the status page: whatever produces them, the engine only sees these.
#pragma once

#include <cstdint>

namespace floodgate::status {

struct Signals {
  int healthy_endpoints = 0;  // endpoints that take traffic (health checks pass, not ejected)
  int total_endpoints = 0;    // 0: the component has no endpoints of its own to judge
  uint64_t requests = 0;      // answered in the last second
  uint64_t errors_5xx = 0;    // of them, 5xx from the origin or for it (502/504)
  double p99_ms = 0;          // upstream latency, 0 when unknown
  bool under_attack = false;  // the detector sees an anomaly now
  bool mitigated = false;     // rules are filtering it
  bool failed_over = false;   // traffic moved to an alternate path
  uint64_t shed = 0;          // of `requests`, turned away at the edge: no upstream path had room
};

// One second of the whole gateway's traffic, for the live charts.
struct TrafficSample {
  double requests = 0;   // per second
  double succeeded = 0;  // not 5xx and not refused by floodgate
  double mitigated = 0;  // refused by floodgate's defenses
  double p99_ms = 0;
};

}  // namespace floodgate::status
