// WorkerSeries: one worker thread's per-second record. The worker writes only into the current
// second; at each second boundary it seals it (an atomic index), and only then may the main
// thread read it. No locks on the request path.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "storm/counters.h"
#include "storm/latency_histogram.h"

namespace floodgate::storm {

enum class TrafficClass : uint8_t { kLegit = 0, kAttack = 1 };

struct SecondRecord {
  std::vector<Counters> groups;
  LatencyHistogram latency[2];  // successful responses, by TrafficClass
};

class WorkerSeries {
 public:
  WorkerSeries(std::vector<TrafficClass> group_classes, size_t seconds);

  // Hot path: the current (unsealed) second.
  Counters& now(size_t group) { return seconds_[current_].groups[group]; }
  void recordSuccessLatency(size_t group, uint64_t micros) {
    seconds_[current_].latency[static_cast<int>(classes_[group])].record(micros);
    group_latency_[group].record(micros);
  }

  size_t current() const { return current_; }
  // Seals the current second and moves to the next (the last second absorbs any overrun).
  void sealCurrent();
  // Seconds [0, sealed()) may be read from other threads.
  size_t sealed() const { return sealed_.load(std::memory_order_acquire); }
  const SecondRecord& second(size_t s) const { return seconds_[s]; }
  size_t capacity() const { return seconds_.size(); }
  // Whole-run latency per group; read after the worker has stopped.
  const LatencyHistogram& groupLatency(size_t group) const { return group_latency_[group]; }

 private:
  std::vector<TrafficClass> classes_;
  std::vector<SecondRecord> seconds_;
  std::vector<LatencyHistogram> group_latency_;
  size_t current_ = 0;
  std::atomic<size_t> sealed_{0};
};

}  // namespace floodgate::storm
