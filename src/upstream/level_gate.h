// LevelGate: a priority level's declared capacity, shared by every worker — a lock-free rate
// gate (GCRA on one atomic) and a concurrency counter. Failover never sends a level more than
// this; what no level can take is shed at the edge. When capacity runs short the better classes
// are served first: a lower class may use only the rate the better ones did not ask for in the
// last second (and only part of the burst and concurrency), so a crowd of unknown clients on a
// small alternate cannot crowd out the known-good, and the suspicious are refused first.
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
  // The requests per second the better classes than `cls` asked this level for in the last
  // whole second: what a request of `cls` must leave to them.
  double betterDemand(shield::PriorityClass cls, MonoTime now) const;

 private:
  static constexpr int kClasses = 3;
  // Requests of one class that reached the gate, counted by whole seconds (racy at the turn of
  // a second by a request or two, which does not matter here).
  struct Demand {
    std::atomic<int64_t> second{-1};
    std::atomic<uint64_t> count{0};  // in `second`
    std::atomic<uint64_t> last{0};   // in the second before it
  };
  void noteDemand(shield::PriorityClass cls, MonoTime now);
  static bool takeSchedule(std::atomic<int64_t>& tat, int64_t interval, int64_t tolerance,
                           MonoTime now);
  bool takeRate(shield::PriorityClass cls, double share, double scale, MonoTime now);

  double rps_;
  int concurrency_;
  int64_t interval_ns_ = 0;   // one request's worth of time at full rate
  int64_t tolerance_ns_ = 0;  // burst: how far ahead of real time the schedule may run
  std::atomic<int64_t> tat_{0};  // theoretical arrival time of the next request, ns
  // The lower classes' own schedules, at the rate the better classes leave them.
  std::atomic<int64_t> class_tat_[kClasses] = {};
  Demand demand_[kClasses];
  std::atomic<int> in_flight_{0};
};

}  // namespace floodgate::upstream
