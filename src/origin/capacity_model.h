// CapacityModel: what the origin can serve — a request rate (token bucket) and a number of
// requests in service at once — shared by all workers through atomics, so admission takes no
// lock. Beyond either limit a request is refused at once, as a saturated real service would.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::origin {

struct CapacityOptions {
  double rps = 0;       // 0: unlimited
  int concurrency = 0;  // 0: unlimited
};

enum class Admission : uint8_t { kAdmitted, kOverRate, kOverConcurrency };

class CapacityModel {
 public:
  CapacityModel(const CapacityOptions& options, const Clock& clock);
  CapacityModel(const CapacityModel&) = delete;
  CapacityModel& operator=(const CapacityModel&) = delete;

  // Thread-safe. kAdmitted takes a slot in service that release() must give back.
  Admission tryAdmit();
  void release() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  int inFlight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Requests the bucket lets through at once after a quiet period: max(1, rps / 10).
  double burst() const { return burst_; }

 private:
  bool takeToken();
  bool takeSlot();

  const Clock& clock_;
  int concurrency_;
  double burst_ = 0;
  // The bucket is kept as GCRA (the "virtual scheduling" form of a token bucket): one atomic
  // theoretical arrival time instead of a token count and a refill time that would need a lock.
  int64_t interval_ns_ = 0;   // time to earn one token; 0: unlimited rate
  int64_t tolerance_ns_ = 0;  // how far ahead of real time the bucket may run: (burst-1) tokens
  std::atomic<int64_t> tat_ns_{0};
  std::atomic<int> in_flight_{0};
};

}  // namespace floodgate::origin
