// Slow start: an endpoint that has just become available (recovered, returned from ejection,
// or whose level came back) takes a weight that ramps from 10% to 100% over the window, so a
// cold origin is never handed a full share of traffic at once.
#pragma once

#include <algorithm>

#include "core/clock.h"

namespace floodgate::upstream {

inline constexpr double kSlowStartMinWeight = 0.1;  // Envoy's min_weight_percent default

inline double slowStartWeight(MonoTime available_since, MonoTime now, Duration window) {
  if (window.count() <= 0 || now >= available_since + window) return 1.0;
  if (now <= available_since) return kSlowStartMinWeight;
  double ramp = std::chrono::duration<double>(now - available_since).count() /
                std::chrono::duration<double>(window).count();
  return std::clamp(ramp, kSlowStartMinWeight, 1.0);
}

}  // namespace floodgate::upstream
