// OutlierDetector: passive health from live traffic, on the control side. Each tick (≤ 250 ms)
// it reads the workers' shared per-endpoint counters and ejects an endpoint for consecutive
// 5xx, consecutive gateway failures (connect failures, resets, per-try timeouts: what a black
// hole produces), a success rate below the configured minimum or far below the cluster's, or a
// latency far above the cluster's. An ejection lasts base_ejection times the number of
// ejections so far (capped), and at most max_ejected_percent of the cluster (at least one
// endpoint) is ejected at once. Pure logic over a clock the caller passes: tested with
// ManualClock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"

namespace floodgate::upstream {

// One endpoint's counters as read this tick (cumulative since start).
struct EndpointSample {
  uint64_t requests = 0;
  uint64_t failures = 0;
  uint64_t latency_us = 0;
  int consecutive_5xx = 0;
  int consecutive_gateway = 0;
};

struct OutlierChange {
  size_t endpoint = 0;
  bool ejected = false;  // false: returned from ejection
  std::string reason;    // why it was ejected
  Duration duration{0};  // how long, when ejected
  int ejections = 0;     // times ejected so far
};

class OutlierDetector {
 public:
  OutlierDetector(const config::OutlierDetection& config, size_t endpoints);

  // Decides with this tick's counters; returns the endpoints whose state changed. The caller
  // resets the consecutive counters of an ejected endpoint (they judged the old run).
  std::vector<OutlierChange> tick(MonoTime now, const std::vector<EndpointSample>& samples);

  // Active health checks found the endpoint well again after failing: its ejection ends now
  // (as Envoy's successful_active_health_check_uneject_host), the count of ejections stays.
  // False when it was not ejected.
  bool uneject(size_t endpoint);

  bool ejected(size_t endpoint) const { return state_[endpoint].ejected; }
  int ejections(size_t endpoint) const { return state_[endpoint].ejections; }
  MonoTime ejectedUntil(size_t endpoint) const { return state_[endpoint].until; }
  size_t ejectedCount() const;

 private:
  struct State {
    bool ejected = false;
    int ejections = 0;
    MonoTime until{};
    MonoTime last_ejection{};
    EndpointSample window_start;  // counters when the current rate window began
  };
  bool mayEject() const;
  void eject(size_t i, MonoTime now, std::string reason, std::vector<OutlierChange>* out);
  void judgeWindow(MonoTime now, const std::vector<EndpointSample>& samples,
                   std::vector<OutlierChange>* out);

  config::OutlierDetection config_;
  std::vector<State> state_;
  MonoTime window_began_{};
  bool started_ = false;
};

}  // namespace floodgate::upstream
