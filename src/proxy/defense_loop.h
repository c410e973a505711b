// DefenseLoop: the control thread of the shield. Each tick it collects the workers'
// observations, runs the detector, proposes rules from its findings to the governor, ticks the
// governor with the merged per-rule counts and, when the governor's rules changed, publishes one
// immutable rule set to every worker (never half a change). A watchdog thread says so when the
// tick stalls; the workers keep the last snapshot meanwhile (fail static).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "governor/governor.h"
#include "kernel/escalation.h"
#include "kernel/kernel_blocklist.h"
#include "proxy/shield_runtime.h"
#include "proxy/tick_watchdog.h"
#include "shield/detector.h"
#include "shield/mitigation_rule.h"
#include "shield/observation.h"
#include "shield/query_keys.h"
#include "telemetry/event_log.h"

namespace floodgate::proxy {

class Worker;

// The control tick. Half a second: a flood is found within ~0.6 s of its start whatever the
// tick's phase (a first tick that saw only a sliver of it sees too little; the next sees half a
// second of it), which leaves the governor's windows room inside issue 4's 2 s to mitigate. The
// detector's rates, baselines and warm-up stay per second and in seconds (see detectorConfig),
// origin protection is tuned once a second as before, and escalation's `escalate_after` counts
// seconds' worth of ticks.
inline constexpr Duration kDefenseTick = std::chrono::milliseconds(500);

class DefenseLoop {
 public:
  // `governor` (not owned) outlives the loop.
  DefenseLoop(std::vector<Worker*> workers, ShieldState* state, governor::Governor* governor,
              Duration tick = kDefenseTick);
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
  // The watchdog's flag: no tick has finished for 3 tick lengths.
  bool stalled() const { return watchdog_.stalled(); }

  // Where rules enforced and expired and findings are written, with their evidence. Set before
  // start(); may stay null.
  void setEventLog(telemetry::EventLog* events) { events_ = events; }
  // Kernel drop: each tick mirrors the fully enforced source/prefix block rules and the
  // escalated repeat offenders into `kernel` (not owned, may be inactive). Set before start();
  // the escalation settings may change later (a reload; thread-safe).
  void setKernel(kernel::KernelBlocklist* kernel, const config::KernelDrop& config);
  void setKernelDrop(const config::KernelDrop& config);
  // Thread-safe readings for the metrics and the admin API, as of the last tick. Findings are
  // counted when they begin, not again on each tick they go on.
  size_t rulesWithAction(shield::RuleAction action) const {
    return rules_by_action_[static_cast<size_t>(action)].load(std::memory_order_relaxed);
  }
  uint64_t findings(shield::FindingKind kind) const {
    return findings_by_kind_[static_cast<size_t>(kind)].load(std::memory_order_relaxed);
  }
  double lastTickSeconds() const { return last_tick_seconds_.load(std::memory_order_relaxed); }
  // The heaviest sources and prefixes (kTopOffenders of each) of the last tick, in requests/s.
  struct Offender {
    std::string kind;  // "source" or "prefix"
    std::string name;  // "203.0.113.7", "203.0.113.0/24"
    double rate = 0;
  };
  static constexpr size_t kTopOffenders = 10;
  std::vector<Offender> topOffenders() const;
  size_t detectorMemoryBytes() const {
    return detector_memory_bytes_.load(std::memory_order_relaxed);
  }
  // Rules, recent findings, the heaviest sources of the last tick and the detector's state.
  nlohmann::json describe() const;

 private:
  void run();
  // Asks each worker (on its own thread) for its observation and merges what comes back
  // within the wait; a stalled worker is skipped, never waited on forever.
  void collect();
  // `rules`: the governor's published rules after this tick.
  void publish(const std::vector<shield::MitigationRule>& rules, MonoTime now);
  // Refreshes what describe() and topOffenders() return; `seconds`: the tick's length.
  void summarise(const std::vector<shield::MitigationRule>& rules, MonoTime now, double seconds);
  void recordFinding(const shield::Finding& finding);
  void event(std::string kind, std::string subject, std::string message, nlohmann::json evidence);
  void watch();
  // Kernel drop, around the governor's tick: the kernel's drops of each rule counted as its
  // enforcements; repeat offenders escalated; then the kernel maps brought in step.
  void countKernelDrops();
  bool escalate(double seconds, MonoTime now);  // true when the escalated set changed
  // The same for whole networks (kernel_drop.prefix_*); true when a penalty began.
  bool escalateNetworks(double seconds, MonoTime now);
  // What a network tried this tick: its requests and its connections refused before one.
  double attempts(uint64_t prefix_key) const;
  void setEscalation(const config::KernelDrop& config);  // both ladders' settings
  // Logs and records a penalty that began: "<subject><why> for N s: dropped ... (penalty #k)".
  void announcePenalty(const std::string& subject, const std::string& why,
                       const kernel::Escalation::Penalty& p, MonoTime now,
                       nlohmann::json evidence);
  // The network (the observation's /24 or /64) whose base address a network penalty holds.
  shield::IpPrefix networkOf(const shield::IpKey& base) const;
  // Every penalty running at `now`, sources' and networks', as the prefix it drops: what the
  // accept-time blocklist, the kernel maps and the summary each show.
  struct Escalated {
    shield::IpPrefix prefix;
    bool network = false;
    kernel::Escalation::Penalty penalty;
  };
  std::vector<Escalated> escalatedNow(MonoTime now) const;
  void mirrorToKernel(MonoTime now);
  nlohmann::json kernelSummary(MonoTime now) const;

  std::vector<Worker*> workers_;
  ShieldState* state_;
  Duration tick_;
  MonoTime last_tuned_{};  // origin protection's last step: once a second, whatever the tick
  shield::Detector detector_;
  shield::QueryKeyLearner query_keys_;  // the fingerprint's known query keys, in the rules snapshot
  shield::WorkerObservation merged_;
  governor::Governor* governor_;
  std::shared_ptr<const shield::Blocklist> no_blocks_;
  kernel::KernelBlocklist* kernel_ = nullptr;
  kernel::Escalation escalation_{config::KernelDrop{}};
  kernel::Escalation network_escalation_{config::KernelDrop{}};  // keyed by a network's base
  double prefix_share_ = 1;
  uint16_t probation_mask_ = 0;  // a network on probation in the kernel: prefix_probation - 1
  std::mutex escalation_mu_;  // pending_drop_: a reload's new settings, taken by the tick
  std::optional<config::KernelDrop> pending_drop_;
  // Escalated sources, refused at accept too (all that is left when the kernel drop is off).
  std::shared_ptr<const shield::Blocklist> escalated_;
  std::vector<shield::MitigationRule> published_;  // as of the last publish
  std::map<uint64_t, MonoTime> kernel_since_;  // rule id: fully enforced since
  MonoTime last_tick_{};
  std::atomic<size_t> rule_count_{0};
  std::atomic<uint64_t> ticks_{0};
  telemetry::EventLog* events_ = nullptr;
  static constexpr size_t kActions = 4, kFindingKinds = 5, kRecentFindings = 20;
  std::atomic<size_t> rules_by_action_[kActions] = {};
  std::atomic<uint64_t> findings_by_kind_[kFindingKinds] = {};
  std::atomic<double> last_tick_seconds_{0};
  std::atomic<size_t> detector_memory_bytes_{0};
  std::deque<nlohmann::json> recent_findings_;  // the tick thread's
  mutable std::mutex summary_mu_;
  nlohmann::json summary_ = nlohmann::json::object();
  std::vector<Offender> offenders_;  // at most 2 × kTopOffenders
  TickWatchdog watchdog_;

  TickListener tick_listener_;
  std::thread thread_;
  std::thread watchdog_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace floodgate::proxy
