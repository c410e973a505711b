// Sampler: once a second, turns the registry's running totals into the second's Sample (rates
// from counter deltas, p99 from the request-duration histogram's delta) and records it in the
// History. Runs on the control thread.
#pragma once

#include <cstdint>

#include "telemetry/history.h"
#include "telemetry/registry.h"

namespace floodgate::telemetry {

class Sampler {
 public:
  Sampler(const Registry* registry, History* history) : registry_(registry), history_(history) {}

  // Samples the second ending now (`unix_second` is its start) over `elapsed_seconds` since the
  // previous call (about 1). The registry's totals start at zero, and so does the sampler: the
  // first call counts everything since the process started.
  void tick(int64_t unix_second, double elapsed_seconds);
  const Sample& last() const { return last_; }

 private:
  const Registry* registry_;
  History* history_;
  double requests_ = 0, errors_ = 0, rejected_ = 0;
  Histogram::Snapshot durations_;
  Sample last_;
};

}  // namespace floodgate::telemetry
