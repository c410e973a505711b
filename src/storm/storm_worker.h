// StormWorker: one thread, one event loop, and its share of every client group's slots (global
// slot g plays on worker g % threads). It runs the timeline from a common start time, seals one
// second of its record at each boundary, and stops by itself after the last phase and a drain.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/event_loop.h"
#include "core/timer_wheel.h"
#include "storm/group_runner.h"
#include "storm/worker_series.h"

namespace floodgate::storm {

struct WorkerPlan {
  int index = 0;
  int threads = 1;
  MonoTime start;      // when the first phase begins
  size_t seconds = 0;  // length of the per-second record
  uint64_t seed = 1;
};

class StormWorker {
 public:
  StormWorker(const Scenario& scenario, const LoopbackUrl& target, const WorkerPlan& plan);
  ~StormWorker();

  // The thread body: returns when the run is over.
  void run();
  // Thread-safe: end early (Ctrl-C); the run still reports what it saw.
  void requestStop() { stop_requested_.store(true, std::memory_order_relaxed); }

  const WorkerSeries& series() const { return series_; }
  // After run(): per group, legitimate users that received a block.
  const std::vector<uint64_t>& blockedUsers() const { return blocked_users_; }

 private:
  void onTick();
  void sealSecond();
  void finish();

  const Scenario& scenario_;
  WorkerPlan plan_;
  EventLoop loop_;
  WorkerSeries series_;
  WorkerContext context_;
  Timer tick_;
  std::vector<std::unique_ptr<GroupRunner>> groups_;
  MonoTime next_second_;
  MonoTime end_;      // the last phase ends
  MonoTime give_up_;  // end_ + drain
  std::atomic<bool> stop_requested_{false};
  std::vector<uint64_t> blocked_users_;
};

}  // namespace floodgate::storm
