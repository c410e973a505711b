#include "origin/capacity_model.h"

#include <algorithm>
#include <cmath>

namespace floodgate::origin {
namespace {

int64_t nanosOf(MonoTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

CapacityModel::CapacityModel(const CapacityOptions& options, const Clock& clock)
    : clock_(clock), concurrency_(std::max(0, options.concurrency)) {
  if (options.rps > 0) {
    burst_ = std::max(1.0, options.rps / 10);
    interval_ns_ = std::max<int64_t>(1, std::llround(1e9 / options.rps));
    tolerance_ns_ = std::llround((burst_ - 1) * static_cast<double>(interval_ns_));
    // A full bucket at start: the theoretical arrival time is "now".
    tat_ns_.store(nanosOf(clock_.now()), std::memory_order_relaxed);
  }
}

Admission CapacityModel::tryAdmit() {
  // The slot first: giving it back is exact, while a token taken cannot be returned.
  if (!takeSlot()) return Admission::kOverConcurrency;
  if (interval_ns_ > 0 && !takeToken()) {
    release();
    return Admission::kOverRate;
  }
  return Admission::kAdmitted;
}

bool CapacityModel::takeSlot() {
  if (concurrency_ == 0) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  int current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (current >= concurrency_) return false;
  } while (!in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

bool CapacityModel::takeToken() {
  int64_t now = nanosOf(clock_.now());
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    int64_t base = std::max(tat, now);
    if (base - now > tolerance_ns_) return false;  // the bucket is empty
    if (tat_ns_.compare_exchange_weak(tat, base + interval_ns_, std::memory_order_relaxed)) {
      return true;
    }
  }
}

}  // namespace floodgate::origin
