// TrafficSim: simulated traffic for the governor's tests — legitimate clients (some known-good)
// and attackers, sent each simulated tick (a second unless told) through the real request-path
// matcher (shield::RuleSet::decide) with the governor's published rules, on a ManualClock. Its
// clients keep no cookies: a challenge refuses them as a block does.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "governor/governor.h"
#include "shield/mitigation_rule.h"

namespace floodgate::governor::testing {

struct SimClient {
  shield::IpKey address;
  bool known_good = false;
  bool attacker = false;
  uint32_t per_second = 1;
};

struct SimTick {
  uint64_t legit_sent = 0;
  uint64_t legit_refused = 0;
  uint64_t attack_sent = 0;
  uint64_t attack_refused = 0;
  bool changed = false;  // the governor published new rules this tick
  double legitSuccess() const {
    return legit_sent == 0 ? 1 : 1 - static_cast<double>(legit_refused) / legit_sent;
  }
};

class TrafficSim {
 public:
  explicit TrafficSim(Governor* governor, Duration tick = std::chrono::seconds(1))
      : governor_(governor), tick_(tick) {
    rules_ = shield::RuleSet::compile({}, clock_.now());
  }

  // `count` clients with addresses base+0, base+1, ... (IPv4 text, last octet stepped).
  void addClients(const std::string& prefix3, int first, int count, bool known_good, bool attacker,
                  uint32_t per_second) {
    for (int i = 0; i < count; ++i) {
      std::string text = prefix3 + "." + std::to_string(first + i);
      clients_.push_back({shield::IpKey::parse(text).value(), known_good, attacker, per_second});
    }
  }
  std::vector<SimClient>& clients() { return clients_; }

  // One simulated tick: attackers send only while `attacking`; the detector (simulated)
  // re-proposes `attack_rule` each tick it sees the attack. Each client sends its per_second
  // rate times the tick's length (rounded up).
  SimTick second(bool attacking, const shield::MitigationRule* attack_rule = nullptr,
                 double attack_rate = 0) {
    SimTick t;
    shield::RuleTally tally;
    MonoTime now = clock_.now();
    const double seconds = std::chrono::duration<double>(tick_).count();
    for (const auto& c : clients_) {
      if (c.attacker && !attacking) continue;
      const auto requests = static_cast<uint32_t>(std::ceil(c.per_second * seconds));
      for (uint32_t i = 0; i < requests; ++i) {
        const shield::MitigationRule* hit =
            rules_->decide(c.address, 0, "/", "GET", {}, now, c.known_good, &tally);
        bool refused = hit != nullptr && (hit->action == shield::RuleAction::kBlock ||
                                          hit->action == shield::RuleAction::kChallenge);
        (c.attacker ? t.attack_sent : t.legit_sent) += 1;
        (c.attacker ? t.attack_refused : t.legit_refused) += refused ? 1 : 0;
      }
    }
    if (attacking && attack_rule != nullptr) governor_->propose(*attack_rule, attack_rate, now);
    TickSignals signals;
    signals.anomaly = attacking;
    signals.tally = &tally;
    signals.origin_attempts = t.legit_sent + t.attack_sent - t.legit_refused - t.attack_refused;
    signals.origin_failures = static_cast<uint64_t>(origin_failure_ratio * signals.origin_attempts);
    signals.seconds = seconds;
    t.changed = governor_->tick(signals, now);
    if (t.changed) rules_ = shield::RuleSet::compile(governor_->published(), now);
    clock_.advance(tick_);
    return t;
  }

  // The share of the origin's attempts that fail (a broken origin, or a rule that hurts it).
  double origin_failure_ratio = 0;

  ManualClock& clock() { return clock_; }
  const shield::RuleSet& rules() const { return *rules_; }

 private:
  Governor* governor_;
  Duration tick_;
  ManualClock clock_;
  std::vector<SimClient> clients_;
  std::shared_ptr<const shield::RuleSet> rules_;
};

}  // namespace floodgate::governor::testing
