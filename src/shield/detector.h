// Detector: the control thread's reading of each tick's merged observation — volume anomalies
// against learned baselines, heavy hitters, origin stress — as findings with their evidence.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "shield/finding.h"
#include "shield/known_good.h"
#include "shield/observation.h"
#include "shield/rate_baseline.h"

namespace floodgate::shield {

// When a heavy hitter (source, prefix or fingerprint) becomes a finding.
struct HitterThresholds {
  double min_share = 0.05;     // of the tick's requests
  double fair_multiple = 20;   // and this many times the fair share (1 / distinct keys); 0: off
  double min_rate = 50;        // req/s above its own baseline
  double baseline_factor = 3;  // and at least this many times its own baseline
  double absolute_rate = 0;    // req/s that is a finding even with no anomaly; 0: off
};

struct DetectorConfig {
  Duration nominal_tick = std::chrono::seconds(1);  // the first tick's length
  // Volume baselines (overall, per route, per status class).
  double alpha = 0.02;         // EWMA weight per tick: slow, so normal growth is learned
  uint32_t warmup_ticks = 20;  // no judgement before
  double k_sigma = 4;          // an anomaly: rate > mean + max(k·sigma, min_excess, ratio·mean)
  double min_excess = 100;     // req/s
  double min_excess_ratio = 0.5;
  double clear_fraction = 0.5;  // still present while the excess is above this × the trigger
  Duration hold = std::chrono::seconds(10);  // quiet this long before an anomaly clears
  // A volume rise whose excess comes this much from known-good clients is a flash crowd.
  double flash_crowd_known_good_share = 0.8;
  // Baselines freeze during an anomaly; after this long they learn again at a tenth of the
  // weight, so a lasting change of level eventually becomes the normal.
  Duration relearn_after = std::chrono::minutes(15);

  uint32_t hitters_read = 16;    // top entries examined per dimension per tick
  uint32_t key_baselines = 256;  // per dimension: learned rates of regular heavy keys
  double key_alpha = 0.05;
  HitterThresholds source{0.05, 20, 50, 3, 2000};
  HitterThresholds prefix{0.10, 20, 100, 3, 0};
  HitterThresholds fingerprint{0.10, 0, 200, 3, 0};
  // A flood that copies the users' requests (a mimic) adds to fingerprints regular clients use:
  // it rises less sharply over their baselines than a new shape does over none, and need not be
  // a tenth of the traffic. During an anomaly, a fingerprint with a baseline of at least
  // shared_min_baseline req/s that rises by shared_rise × its baseline, and by at least
  // shared_min_rate req/s, is a finding too (Finding::shared), if unexplained traffic covers it.
  double shared_min_baseline = 5;
  double shared_rise = 0.5;
  double shared_min_rate = 50;

  // Origin stress.
  double latency_factor = 3;          // p99 above this × its baseline
  double min_latency_excess_ms = 20;  // and by at least this much
  uint64_t min_latency_samples = 20;
  double failure_ratio = 0.05;  // of origin attempts failing (5xx, 502/504)
  uint64_t min_failures = 10;
  double saturation_share = 0.5;  // of concurrency samples at the limit
  uint64_t min_concurrency_samples = 20;
};

// The knobs above that count ticks (alpha, key_alpha, warmup_ticks) are given for 1 s ticks.
// This returns `config` for ticks of `tick`, so that a second of traffic weighs as much and the
// warm-up lasts as long whatever the tick; everything else is already per second or a Duration.
DetectorConfig scaledToTick(DetectorConfig config, Duration tick);

class Detector {
 public:
  struct Status {
    bool anomaly = false;  // an attack-like volume anomaly is active (or held)
    MonoTime anomaly_since{};
    bool flash_crowd = false;  // this tick: elevated volume explained by known-good clients
    bool origin_stress = false;
    MonoTime stress_since{};
  };
  // What the detector costs: measured, not assumed.
  struct Stats {
    uint64_t ticks = 0;
    uint64_t hitters_examined = 0;  // last tick
    double last_tick_us = 0;        // wall time of the last tick() (a real clock: stats only)
    double max_tick_us = 0;
  };

  // `known_good` (optional, not owned) is told when an anomaly begins and ends.
  explicit Detector(const DetectorConfig& config = {}, KnownGoodSet* known_good = nullptr);

  // One tick: `merged` is the sum of the workers' observations since the previous tick. Work is
  // O(routes + hitters_read + key_baselines), independent of how many sources there were.
  std::vector<Finding> tick(const WorkerObservation& merged, MonoTime now);

  const Status& status() const { return status_; }
  const Stats& stats() const { return stats_; }
  size_t memoryBytes() const;
  const RateBaseline& overallBaseline() const { return overall_.rate; }

 private:
  struct Series {
    RateBaseline rate;
    RateBaseline known_good;
    bool present = false;  // above the clear threshold
    MonoTime since{};
  };
  struct Verdict {
    bool triggered = false;
    bool present = false;
    bool flash_crowd = false;
    double rate = 0;
    double threshold = 0;  // rate the series had to pass
    double known_good_share_of_excess = 0;
  };
  struct KeyRate {
    uint64_t key = 0;
    RateBaseline rate;
  };
  struct Active {  // a finding's current run, for started_at
    FindingKind kind;
    uint64_t key;
    MonoTime first;
    MonoTime last;
  };
  enum Dim { kSources, kPrefixes, kFingerprints, kDims };

  Verdict judge(Series& series, double rate, double known_good_rate, MonoTime now) const;
  void learn(Series& series, double rate, double known_good_rate, bool slowly);
  void findHitters(const WorkerObservation& obs, double overall_excess, MonoTime now,
                   std::vector<Finding>& out);
  void learnKeys(const WorkerObservation& obs);
  double keyBaseline(Dim dim, uint64_t key) const;
  void findOriginStress(const WorkerObservation& obs, MonoTime now, std::vector<Finding>& out);
  MonoTime startedAt(FindingKind kind, uint64_t key, MonoTime now);

  DetectorConfig config_;
  KnownGoodSet* known_good_;
  Status status_;
  Stats stats_;
  MonoTime last_tick_{};
  bool ticked_ = false;
  double dt_ = 1;  // seconds in this tick
  MonoTime last_present_{};
  Series overall_;
  std::array<Series, WorkerObservation::kMaxRoutes> routes_;
  std::array<Series, kStatusClasses> statuses_;
  std::array<std::vector<KeyRate>, kDims> keys_;  // each at most config_.key_baselines
  RateBaseline latency_ms_;
  RateBaseline failure_ratio_;
  MonoTime last_stress_{};
  std::vector<Active> active_;  // at most kMaxActive
  static constexpr size_t kMaxActive = 512;
};

}  // namespace floodgate::shield
