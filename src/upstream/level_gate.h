// LevelGate: a priority level's declared capacity, shared by every worker — a lock-free rate
// gate (GCRA on one atomic) and a concurrency counter. Failover never sends a level more than
// this; what no level can take is shed at the edge. Lower priority classes may use only part
// of the headroom, so when capacity runs short the suspicious are refused first.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.h"
#include "shield/priority.h"

namespace floodgate::upstream {

class LevelGate {
 public:
  // rps 0 and concurrency 0: unlimited.
  LevelGate(double rps = 0, int concurrency = 0);

  bool limited() const { return rps_ > 0 || concurrency_ > 0; }
  // Takes one request slot; `scale` (0..1] shrinks the capacity to the level's available share
  // (healthy endpoints, slow start). On success the caller must release() when the try ends.
  bool tryAcquire(shield::PriorityClass cls, double scale, MonoTime now);
  void release();
  int inFlight() const { return in_flight_.load(std::memory_order_relaxed); }
  double rps() const { return rps_; }
  int concurrency() const { return concurrency_; }

  // The share of the headroom each class may use.
  static double classShare(shield::PriorityClass cls);

 private:
  bool takeRate(double share, double scale, MonoTime now);

  double rps_;
  int concurrency_;
  int64_t interval_ns_ = 0;   // one request's worth of time at full rate
  int64_t tolerance_ns_ = 0;  // burst: how far ahead of real time the schedule may run
  std::atomic<int64_t> tat_{0};  // theoretical arrival time of the next request, ns
  std::atomic<int> in_flight_{0};
};

}  // namespace floodgate::upstream
