// The governor's gates as pure functions of what a rule's window counted: the collateral gate
// (shadow → canary) and the effect gate's harm test (canary onwards, continuously).
#pragma once

#include <cstdint>
#include <string>

#include "governor/governor_config.h"
#include "shield/mitigation_rule.h"
#include "shield/rule_tally.h"

namespace floodgate::governor {

// The origin's attempts and failures over a window: its health before and while a rule acts.
struct OriginWindow {
  uint64_t attempts = 0;
  uint64_t failures = 0;
  double failureRatio() const {
    return attempts == 0 ? 0 : static_cast<double>(failures) / static_cast<double>(attempts);
  }
  void add(uint64_t a, uint64_t f) {
    attempts += a;
    failures += f;
  }
};

struct CollateralVerdict {
  enum class Kind : uint8_t { kWait, kPass, kNarrow, kRefuse };
  Kind kind = Kind::kWait;
  double share = 0;  // known-good share of the matches
  std::string reason;
};

// kWait with fewer than min_samples matches; else by the known-good share of the matches. A
// challenge is narrowed, never refused, however many known-good clients it matches: narrowed it
// never acts on them, and an unknown client that keeps cookies passes it after one redirect, so
// it is the rule for a flood that copies the users' requests.
CollateralVerdict collateralGate(const shield::RuleCounts& shadow, const GovernorConfig& config,
                                 shield::RuleAction action = shield::RuleAction::kBlock);

struct HarmVerdict {
  bool harm = false;
  bool known_good = false;  // the harm is refused known-good clients (narrowing may cure it)
  std::string reason;
};

// Harm while enforcing: it refused known-good clients (a narrowed rule never does), or the origin
// fails more now than before the rule acted with no anomaly to explain it (`attack_active`: an
// origin failing more while an attack grows is the attack's doing, not the rule's).
HarmVerdict harmTest(const shield::RuleCounts& window, const OriginWindow& before,
                     const OriginWindow& now, bool attack_active, const GovernorConfig& config);

}  // namespace floodgate::governor
