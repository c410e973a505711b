#include "upstream/level_gate.h"

#include <algorithm>
#include <cmath>

namespace floodgate::upstream {

LevelGate::LevelGate(double rps, int concurrency) : rps_(rps), concurrency_(concurrency) {
  if (rps_ > 0) {
    interval_ns_ = std::llround(1e9 / rps_);
    // A burst of 50 ms of capacity: less than the origin's own bucket (100 ms in `floodgate
    // origin`, similar in most limiters), so the gate refuses before the origin would.
    double burst = std::max(1.0, rps_ / 20);
    tolerance_ns_ = std::llround((burst - 1) * static_cast<double>(interval_ns_));
  }
}

double LevelGate::classShare(shield::PriorityClass cls) {
  switch (cls) {
    case shield::PriorityClass::kKnownGood:
      return 1.0;
    case shield::PriorityClass::kUnknown:
      return 0.9;
    case shield::PriorityClass::kSuspicious:
      return 0.6;
  }
  return 1.0;
}

bool LevelGate::takeRate(double share, double scale, MonoTime now) {
  if (rps_ <= 0) return true;
  int64_t t = now.time_since_epoch().count();
  int64_t interval = std::llround(static_cast<double>(interval_ns_) / std::max(scale, 0.01));
  // A lower class sees less tolerance: with the schedule running ahead (the level busy), only
  // the better classes still fit.
  int64_t tolerance = std::llround(static_cast<double>(tolerance_ns_ + interval) * share);
  int64_t tat = tat_.load(std::memory_order_relaxed);
  while (true) {
    int64_t next = std::max(tat, t) + interval;
    if (next - t > tolerance && next - t > interval) return false;
    if (tat_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) return true;
  }
}

bool LevelGate::tryAcquire(shield::PriorityClass cls, double scale, MonoTime now) {
  double share = classShare(cls);
  if (concurrency_ > 0) {
    int limit = std::max(1, static_cast<int>(std::floor(concurrency_ * scale * share)));
    int before = in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (before >= limit) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
  } else {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  if (!takeRate(share, scale, now)) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void LevelGate::release() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace floodgate::upstream
