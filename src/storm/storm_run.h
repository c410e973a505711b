// StormRun: plays a scenario against a target — starts the worker threads at a common start
// time, reads the origin's counts at each second boundary, merges each second as the workers
// seal it (printing a progress line), and returns the whole record when the run is over.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/result.h"
#include "storm/run_record.h"
#include "storm/scenario.h"

namespace floodgate::storm {

class StormRun {
 public:
  // `target` and `origin_stats` are the scenario's, after command-line overrides.
  StormRun(const Scenario& scenario, LoopbackUrl target, std::optional<LoopbackUrl> origin_stats);

  // Checks what the machine must allow (descriptors) before anything starts.
  Status prepare();
  // Runs to the end (or until `interrupt` turns true); `on_second` sees each merged second.
  RunRecord execute(const std::atomic<bool>& interrupt,
                    const std::function<void(const SecondRow&)>& on_second);

  int threads() const { return threads_; }
  // CPU used by the whole process per wall second per worker thread, over the run.
  double generatorCpu() const { return generator_cpu_; }

 private:
  const Scenario& scenario_;
  LoopbackUrl target_;
  std::optional<LoopbackUrl> origin_stats_;
  int threads_ = 1;
  double generator_cpu_ = 0;
};

}  // namespace floodgate::storm
