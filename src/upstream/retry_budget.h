// RetryBudget: retries allowed only within a share of recent requests (with a small floor for
// quiet periods), so a failing origin never multiplies its own load. One per worker per
// cluster; the floor is split across workers. Not thread-safe: it lives on its worker's thread.
#pragma once

#include <array>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::upstream {

class RetryBudget {
 public:
  // percent: retries per 100 requests over the window; min_per_second: allowed whatever the
  // traffic (this worker's share of the cluster's floor).
  RetryBudget(double percent = 10, double min_per_second = 3);

  void onRequest(MonoTime now);
  // True (and counted) when one more retry fits the budget.
  bool tryRetry(MonoTime now);

  uint64_t requestsInWindow() const;
  uint64_t retriesInWindow() const;

  static constexpr int kWindowSeconds = 10;

 private:
  void advance(MonoTime now);

  struct Bucket {
    int64_t second = -1;
    uint64_t requests = 0;
    uint64_t retries = 0;
  };
  double ratio_;
  double floor_;  // retries allowed per window whatever the traffic
  std::array<Bucket, kWindowSeconds> buckets_{};
  int64_t current_ = -1;
};

}  // namespace floodgate::upstream
