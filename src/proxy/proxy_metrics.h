// ProxyMetrics: the data plane's metric series for one config, resolved to pointers when the
// RuntimeSnapshot is built, so a request finds its counters by index (listener, route, status
// class, cluster) — no lookup by name, no lock, one relaxed atomic add in the worker's shard.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "telemetry/registry.h"

namespace floodgate::proxy {

class ProxyMetrics {
 public:
  ProxyMetrics() = default;  // records nothing (no registry)
  ProxyMetrics(const config::Config& config, telemetry::Registry* registry);

  bool enabled() const { return !requests_.empty(); }
  // The listener's index from its key (its bound address text), or -1. Connections cache it
  // per snapshot generation.
  int listenerIndex(std::string_view key) const;
  uint64_t generation() const { return generation_; }

  // One answered request. `route` is -1 when none matched or the request was refused before
  // routing; `duration` is recorded only when `timed`.
  void countRequest(int shard, int listener, int route, int status, bool timed,
                    Duration duration) const;
  // One request sent upstream: how many attempts it took, and the time to the response head
  // when one came.
  void countUpstream(int shard, int cluster, int attempts, bool answered, Duration to_head) const;

 private:
  static constexpr int kClasses = 5;  // 1xx .. 5xx
  std::vector<std::string> listener_keys_;
  // [listener][route + 1][class]
  std::vector<std::vector<std::vector<telemetry::Counter*>>> requests_;
  std::vector<telemetry::Histogram*> durations_;           // [route + 1]
  std::vector<telemetry::Counter*> attempts_;              // [cluster]
  std::vector<telemetry::Counter*> downstream_;            // [cluster]
  std::vector<telemetry::Histogram*> upstream_durations_;  // [cluster]
  uint64_t generation_ = 0;
};

}  // namespace floodgate::proxy
