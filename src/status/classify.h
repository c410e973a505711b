// From one second's signals to the status they point at, before hysteresis smooths them.
#pragma once

#include <string>

#include "status/model.h"
#include "status/signals.h"

namespace floodgate::status {

struct Thresholds {
  uint64_t min_requests = 5;  // fewer in a second: error rates are not judged
  double degraded_error_rate = 0.02;
  double partial_error_rate = 0.10;
  double major_error_rate = 0.50;
  double slow_p99_ms = 2000;  // above: degraded performance
};

ComponentStatus classify(const Signals& s, const Thresholds& t = {});

// Plain words for what the signals show, for an incident update: "API is unreachable: none of
// its 2 endpoints accept connections." Empty when there is nothing to say.
std::string describeSignals(const std::string& name, ComponentStatus status, const Signals& s,
                            const Thresholds& t = {});

// "14:10 UTC" for Unix milliseconds.
std::string clockTime(int64_t unix_ms);

}  // namespace floodgate::status
