#include "storm/worker_series.h"

namespace floodgate::storm {

WorkerSeries::WorkerSeries(std::vector<TrafficClass> classes, size_t seconds)
    : classes_(std::move(classes)), seconds_(seconds), group_latency_(classes_.size()) {
  for (auto& s : seconds_) s.groups.resize(classes_.size());
}

void WorkerSeries::sealCurrent() {
  if (current_ + 1 >= seconds_.size()) return;  // keep recording into the last second
  ++current_;
  sealed_.store(current_, std::memory_order_release);
}

}  // namespace floodgate::storm
