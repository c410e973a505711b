// DefenseLoop: the control thread of the shield. Each tick it collects the workers'
// observations, runs the detector, turns its findings into mitigation rules (logged with their
// evidence) and publishes an immutable rule set and detector blocklist to every worker. Until
// the governor exists, proposed rules are enforced directly (issue 4), with an expiry each.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/shield_runtime.h"
#include "shield/detector.h"
#include "shield/mitigation_rule.h"
#include "shield/observation.h"

namespace floodgate::proxy {

class Worker;

class DefenseLoop {
 public:
  DefenseLoop(std::vector<Worker*> workers, ShieldState* state,
              Duration tick = std::chrono::seconds(1));
  ~DefenseLoop();

  // Called on the loop's thread after each tick with the merged observation, whether the
  // detector sees an anomaly and how many rules are active (the status page's feed). Set
  // before start().
  using TickListener = std::function<void(const shield::WorkerObservation&, bool, size_t)>;
  void setTickListener(TickListener listener) { tick_listener_ = std::move(listener); }

  void start();
  void stop();
  // One tick, on the caller's thread (the loop calls it; tests may too).
  void tick(MonoTime now);

  size_t activeRules() const { return rule_count_.load(std::memory_order_relaxed); }
  uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }

 private:
  void run();
  // Asks each worker (on its own thread) for its observation and merges what comes back
  // within the wait; a stalled worker is skipped, never waited on forever.
  void collect();
  void adopt(const shield::MitigationRule& proposal, MonoTime now);
  void publish(MonoTime now);

  std::vector<Worker*> workers_;
  ShieldState* state_;
  Duration tick_;
  shield::Detector detector_;
  shield::WorkerObservation merged_;
  std::map<std::string, shield::MitigationRule> rules_;  // by what they match: no duplicates
  uint64_t next_rule_id_ = 1;
  bool dirty_ = false;  // rules changed since the workers last got them
  std::atomic<size_t> rule_count_{0};
  std::atomic<uint64_t> ticks_{0};

  TickListener tick_listener_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace floodgate::proxy
