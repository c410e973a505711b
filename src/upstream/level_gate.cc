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

namespace {

int64_t secondOf(MonoTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

// The better classes' demand is reserved with this much to spare.
constexpr double kReserveMargin = 1.1;

}  // namespace

void LevelGate::noteDemand(shield::PriorityClass cls, MonoTime now) {
  Demand& d = demand_[static_cast<int>(cls)];
  int64_t second = secondOf(now);
  int64_t seen = d.second.load(std::memory_order_relaxed);
  if (seen != second && d.second.compare_exchange_strong(seen, second,
                                                         std::memory_order_relaxed)) {
    uint64_t count = d.count.exchange(0, std::memory_order_relaxed);
    d.last.store(seen == second - 1 ? count : 0, std::memory_order_relaxed);
  }
  d.count.fetch_add(1, std::memory_order_relaxed);
}

double LevelGate::betterDemand(shield::PriorityClass cls, MonoTime now) const {
  int64_t second = secondOf(now);
  uint64_t total = 0;
  for (int c = 0; c < static_cast<int>(cls); ++c) {
    const Demand& d = demand_[c];
    int64_t seen = d.second.load(std::memory_order_relaxed);
    if (seen == second) {
      total += d.last.load(std::memory_order_relaxed);
    } else if (seen == second - 1) {
      total += d.count.load(std::memory_order_relaxed);  // that second is whole now
    }
  }
  return static_cast<double>(total);
}

// GCRA on one atomic: true (and the schedule moved on by `interval`) when the request fits.
bool LevelGate::takeSchedule(std::atomic<int64_t>& tat, int64_t interval, int64_t tolerance,
                             MonoTime now) {
  int64_t t = now.time_since_epoch().count();
  int64_t at = tat.load(std::memory_order_relaxed);
  while (true) {
    int64_t next = std::max(at, t) + interval;
    if (next - t > tolerance && next - t > interval) return false;
    if (tat.compare_exchange_weak(at, next, std::memory_order_relaxed)) return true;
  }
}

bool LevelGate::takeRate(shield::PriorityClass cls, double share, double scale, MonoTime now) {
  if (rps_ <= 0) return true;
  scale = std::max(scale, 0.01);
  int64_t interval = std::llround(static_cast<double>(interval_ns_) / scale);
  // A lower class sees less tolerance: with the schedule running ahead (the level busy), only
  // the better classes still fit.
  int64_t tolerance = std::llround(static_cast<double>(tolerance_ns_ + interval) * share);
  if (cls != shield::PriorityClass::kKnownGood) {
    // And it has its own schedule, at the rate the better classes leave.
    double left = rps_ * scale - kReserveMargin * betterDemand(cls, now);
    if (left < 1) return false;
    int64_t own = std::llround(1e9 / left);
    int64_t own_tolerance = std::llround(std::max(0.0, left / 20 - 1) * static_cast<double>(own));
    if (!takeSchedule(class_tat_[static_cast<int>(cls)], own, own_tolerance, now)) return false;
  }
  return takeSchedule(tat_, interval, tolerance, now);
}

bool LevelGate::tryAcquire(shield::PriorityClass cls, double scale, MonoTime now) {
  if (rps_ > 0) noteDemand(cls, now);
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
  if (!takeRate(cls, share, scale, now)) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void LevelGate::release() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace floodgate::upstream
