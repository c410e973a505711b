// Governor: the control half of defense. It adopts mitigation rules (from the detector's
// findings or from operators) and walks each through proposed → shadow → canary → enforced →
// relaxing → expired, or rolls it back, passing a gate at each step; every move is an event with
// its evidence. Each tick it reads the workers' per-rule counts and says which rules the workers
// enforce, on what share of clients. Thread-safe: the control thread ticks it, operators (the
// admin API) call it from theirs.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "governor/gates.h"
#include "governor/governor_config.h"
#include "governor/stage.h"
#include "shield/mitigation_rule.h"
#include "shield/rule_tally.h"

namespace floodgate::governor {

// Where the governor's events go (the event log; every event is also logged with spdlog). kind: "rule.shadow",
// "rule.rolled_back", ...; subject: "rule #7"; evidence: the numbers behind the move. Called with
// the governor's lock held: it must not call back into the governor.
using EventSink = std::function<void(std::string_view kind, std::string_view subject,
                                     std::string_view message, const nlohmann::json& evidence)>;

// What the control thread saw this tick, beyond the rules' own counts.
struct TickSignals {
  bool anomaly = false;        // the detector's volume anomaly is active
  bool origin_stress = false;  // the origin is slow, failing or saturated
  uint64_t origin_attempts = 0;
  uint64_t origin_failures = 0;
  const shield::RuleTally* tally = nullptr;  // the merged per-rule counts; null: none
  double seconds = 1;                        // the tick's length
};

// An operator's rule: pinned rules skip the gates and stay enforced until ttl or expiry.
struct OperatorRule {
  shield::RuleMatch match;
  shield::RuleAction action = shield::RuleAction::kBlock;
  double rate = 0;
  double burst = 0;
  std::string reason;
  Duration ttl{};  // 0: no expiry
  bool pinned = false;
};

class Governor {
 public:
  struct Stats {
    uint64_t ticks = 0;
    double last_tick_us = 0;  // wall time of the last tick (a real clock: stats only)
    double max_tick_us = 0;
    size_t live_rules = 0;
    uint64_t engages = 0;     // → enforced (canary passed, or re-enforced while relaxing)
    uint64_t disengages = 0;  // enforced → relaxing
    uint64_t rolled_back = 0;
    std::array<uint64_t, kStageCount> moves_to{};  // every stage move, by the stage moved to
  };

  explicit Governor(GovernorConfig config = {}, EventSink sink = {});

  // Control thread. A detector proposal: a new rule enters as proposed; one already live for the
  // same match only keeps its attack signal up. `trigger_rate`: the rate (req/s) that triggered
  // it, against which the signal is judged.
  // `seen`: what the detector itself counted for exactly this match over `seen_over` (a heavy
  // source's requests and whether it is known-good): the shadow's evidence, already gathered,
  // so the collateral gate can judge at once instead of a window later.
  void propose(const shield::MitigationRule& proposal, double trigger_rate, MonoTime now,
               const shield::RuleCounts* seen = nullptr, Duration seen_over = {});
  // One control tick: the gates, the stage moves. True when the published rules changed.
  bool tick(const TickSignals& signals, MonoTime now);
  // The live rules as the workers must apply them (fraction, narrowing, tally slot), for
  // shield::RuleSet::compile. One call per tick: a snapshot, never half a change.
  std::vector<shield::MitigationRule> published() const;

  // Operators. Each refuses a bad call with a clear error and changes nothing.
  Result<uint64_t> addOperatorRule(const OperatorRule& rule, MonoTime now);
  Status pin(uint64_t id, MonoTime now);
  Status expire(uint64_t id, MonoTime now);
  // Engaged: every automatic rule is rolled back at once and none is adopted until disengaged.
  // Returns how many rules it dropped.
  size_t setKillSwitch(bool engaged, MonoTime now);
  void setDryRun(bool dry_run, MonoTime now);

  nlohmann::json rulesJson(MonoTime now) const;  // live rules, then the recently finished
  Result<nlohmann::json> ruleJson(uint64_t id, MonoTime now) const;
  nlohmann::json statusJson() const;  // dry run, kill switch, stats
  // What decides a client's fate: each rule that may match it, its stage and whether this client
  // is in its enforced share; plus whatever the context adds (known-good, blocklist, limits).
  nlohmann::json why(const shield::IpKey& client, MonoTime now) const;
  using WhyContext = std::function<void(const shield::IpKey& client, nlohmann::json& out)>;
  void setWhyContext(WhyContext context);

  Stats stats() const;
  // How many live rules are in each stage now (by Stage's value).
  std::array<size_t, kStageCount> liveByStage() const;
  GovernorConfig config() const;
  // A reload: new thresholds and windows; live rules keep their stage and counts.
  void setConfig(const GovernorConfig& config);
  // Tests: the stage of a rule (live or recently finished), nullopt when unknown.
  std::optional<Stage> stageOf(uint64_t id) const;

 private:
  struct Rule {
    shield::MitigationRule rule;
    std::string key;  // rule.match.describe(): one live rule per match
    Stage stage = Stage::kProposed;
    bool pinned = false;
    MonoTime stage_since{};
    MonoTime window_since{};
    MonoTime last_signal{};
    double trigger_rate = 0;      // req/s; 0: an operator rule (judged by the global signal)
    bool proposed_again = false;  // this tick
    bool window_signal = false;   // the attack signal was up during the current window
    bool window_anomaly = false;  // the detector's anomaly was active during it
    int relax_step = 0;
    bool proven = false;  // enforced, then relaxed fully with its attack gone: it did no harm
    shield::RuleCounts window;  // since window_since
    shield::RuleCounts total;
    OriginWindow origin_before;  // the origin during shadow: the recent past
    OriginWindow origin_window;  // the origin during the current window
    uint64_t engages = 0;
    uint64_t disengages = 0;
    std::deque<nlohmann::json> history;  // its last moves, each with evidence
  };
  struct Finished {
    nlohmann::json rule;
    std::string key;
    Stage stage;
    MonoTime at;
    bool proven = false;            // Rule::proven
    bool spare_known_good = false;  // it had been narrowed
  };
  static constexpr size_t kHistory = 12;
  static constexpr size_t kFinished = 64;

  Rule* find(uint64_t id);
  const Rule* find(uint64_t id) const;
  Result<uint64_t> adopt(shield::MitigationRule rule, double trigger_rate, bool pinned,
                         MonoTime now, const shield::RuleCounts* seen = nullptr,
                         Duration seen_over = {});
  void judgeShadow(Rule& r, MonoTime now);
  // Why a rule past the collateral gate may go to enforced without a canary; null: it may not.
  const char* canaryNotNeeded(const Rule& r) const;
  // A proven rule for `key` that finished within reengage_within; null: none.
  const Finished* recentlyProven(const std::string& key, MonoTime now) const;
  bool due(const Rule& r, Duration window, MonoTime now) const;
  void step(Rule& r, const TickSignals& signals, MonoTime now);
  void move(Rule& r, Stage to, MonoTime now, const std::string& why, nlohmann::json evidence);
  void startWindow(Rule& r, MonoTime now);
  bool judgeHarm(Rule& r, MonoTime now);
  double enforcedFraction(const Rule& r) const;
  void retire(MonoTime now);  // live → finished, slots back
  nlohmann::json toJson(const Rule& r, MonoTime now) const;
  void emit(std::string_view kind, const Rule& r, const std::string& message,
            const nlohmann::json& evidence);

  mutable std::mutex mu_;
  GovernorConfig config_;
  EventSink sink_;
  WhyContext why_context_;
  std::vector<Rule> rules_;           // live, at most config_.max_rules
  std::deque<Finished> finished_;     // at most kFinished
  std::vector<uint16_t> free_slots_;  // tally slots
  uint64_t next_id_ = 1;
  bool kill_switch_ = false;
  bool changed_ = false;  // the published rules differ from the last tick's
  Stats stats_;
};

}  // namespace floodgate::governor
