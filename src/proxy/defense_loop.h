// DefenseLoop: the control thread of the shield. Each tick it collects the workers'
// observations, runs the detector, proposes rules from its findings to the governor, ticks the
// governor with the merged per-rule counts and, when the governor's rules changed, publishes one
// immutable rule set to every worker (never half a change). A watchdog thread says so when the
// tick stalls; the workers keep the last snapshot meanwhile (fail static).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "governor/governor.h"
#include "proxy/shield_runtime.h"
#include "proxy/tick_watchdog.h"
#include "shield/detector.h"
#include "shield/mitigation_rule.h"
#include "shield/observation.h"

namespace floodgate::proxy {

class Worker;

class DefenseLoop {
 public:
  // `governor` (not owned) outlives the loop.
  DefenseLoop(std::vector<Worker*> workers, ShieldState* state, governor::Governor* governor,
              Duration tick = std::chrono::seconds(1));
  ~DefenseLoop();

  void start();
  void stop();
  // One tick, on the caller's thread (the loop calls it; tests may too).
  void tick(MonoTime now);

  size_t activeRules() const { return rule_count_.load(std::memory_order_relaxed); }
  uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }
  // The watchdog's flag: no tick has finished for 3 tick lengths.
  bool stalled() const { return watchdog_.stalled(); }

 private:
  void run();
  // Asks each worker (on its own thread) for its observation and merges what comes back
  // within the wait; a stalled worker is skipped, never waited on forever.
  void collect();
  void publish(MonoTime now);
  void watch();

  std::vector<Worker*> workers_;
  ShieldState* state_;
  Duration tick_;
  shield::Detector detector_;
  shield::WorkerObservation merged_;
  governor::Governor* governor_;
  std::shared_ptr<const shield::Blocklist> no_blocks_;
  MonoTime last_tick_{};
  std::atomic<size_t> rule_count_{0};
  std::atomic<uint64_t> ticks_{0};
  TickWatchdog watchdog_;

  std::thread thread_;
  std::thread watchdog_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace floodgate::proxy
