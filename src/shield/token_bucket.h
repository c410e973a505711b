// TokenBucket: `rate` tokens per second up to `burst`, for one limit owned by one thread (a route,
// an upstream). Per-client limits shared across workers live in SharedRateLimiter instead.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/clock.h"

namespace floodgate::shield {

// Kept as the generic cell rate algorithm: instead of a token count and a refill stamp it stores
// one number, the "theoretical arrival time" (tat) at which the bucket would be full again. A
// take moves tat forward by cost/rate and is allowed while tat stays within burst/rate of now.
// Same behaviour as counting tokens, but exact in integer nanoseconds, with no refill step and
// no drift, and the wait until the next token falls out as a subtraction.
class TokenBucket {
 public:
  // rate in tokens per second, clamped to [1e-3, 1e9]; burst clamped to [1, 1e6]. Starts full.
  TokenBucket(double rate_per_second, double burst) { configure(rate_per_second, burst); }

  // Changes the limit but keeps how far the bucket is drained (as a time), so a reload does
  // not hand every client a fresh burst.
  void configure(double rate_per_second, double burst) {
    rate_ = std::clamp(std::isnan(rate_per_second) ? 1e-3 : rate_per_second, 1e-3, 1e9);
    burst_ = std::clamp(std::isnan(burst) ? 1.0 : burst, 1.0, 1e6);
    interval_ns_ = 1e9 / rate_;
    capacity_ns_ = static_cast<int64_t>(std::llround(burst_ * interval_ns_));
  }

  // Takes `cost` tokens if that many are available at `now`.
  bool take(MonoTime now, double cost = 1.0) {
    int64_t t = nanos(now);
    int64_t next = std::max(tat_, t) + costNanos(cost);
    if (next - t > capacity_ns_) return false;
    tat_ = next;
    return true;
  }

  // How long until take(cost) would succeed: zero if it would now, Duration::max() if cost is
  // more than the burst and never will. The basis of a Retry-After.
  Duration waitFor(MonoTime now, double cost = 1.0) const {
    if (cost > burst_) return Duration::max();
    int64_t t = nanos(now);
    int64_t excess = std::max(tat_, t) + costNanos(cost) - t - capacity_ns_;
    return Duration(std::max<int64_t>(excess, 0));
  }

  // Tokens available at `now`, fractional.
  double available(MonoTime now) const {
    int64_t ahead = std::max<int64_t>(tat_ - nanos(now), 0);
    return static_cast<double>(capacity_ns_ - ahead) / interval_ns_;
  }

  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  static int64_t nanos(MonoTime t) { return t.time_since_epoch().count(); }
  int64_t costNanos(double cost) const {
    return static_cast<int64_t>(std::llround(std::max(cost, 0.0) * interval_ns_));
  }

  double rate_ = 1;
  double burst_ = 1;
  double interval_ns_ = 1e9;  // time one token takes to come back
  int64_t capacity_ns_ = 0;   // burst × interval: how far ahead of now tat may run
  int64_t tat_ = std::numeric_limits<int64_t>::min() / 2;  // far past: full
};

}  // namespace floodgate::shield
