#include "governor/governor.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "governor/traffic_sim.h"

namespace floodgate::governor {
namespace {

using testing::SimTick;
using testing::TrafficSim;

shield::IpPrefix net(const char* text) { return shield::IpPrefix::parse(text).value(); }
shield::IpKey ip(const char* text) { return shield::IpKey::parse(text).value(); }

// Long windows, so each stage is visible for a while in the tests below.
GovernorConfig tenSecondWindows() {
  GovernorConfig config;
  config.shadow_window = std::chrono::seconds(10);
  config.canary_window = std::chrono::seconds(10);
  return config;
}

// What the detector would propose for a flood from 203.0.113.0/24.
shield::MitigationRule attackRule() {
  shield::MitigationRule rule;
  rule.match.source = net("203.0.113.0/24");
  rule.action = shield::RuleAction::kBlock;
  rule.origin = shield::RuleOrigin::kDetector;
  rule.evidence = "heavy_prefix: 203.0.113.0/24 sends 1000 req/s";
  return rule;
}

OperatorRule everyone(bool pinned = false) {
  OperatorRule op;
  op.match.source = net("0.0.0.0/0");
  op.action = shield::RuleAction::kBlock;
  op.reason = "fat-fingered";
  op.pinned = pinned;
  return op;
}

struct Events {
  std::vector<std::string> kinds;
  std::vector<std::string> messages;
  std::vector<nlohmann::json> evidence;
  EventSink sink() {
    return [this](std::string_view kind, std::string_view, std::string_view message,
                  const nlohmann::json& evidence) {
      EXPECT_TRUE(evidence.is_object());
      kinds.emplace_back(kind);
      messages.emplace_back(message);
      this->evidence.push_back(evidence);
    };
  }
  std::string last(std::string_view kind) const {
    for (size_t i = kinds.size(); i-- > 0;) {
      if (kinds[i] == kind) return messages[i];
    }
    return "";
  }
};

// 100 regular clients (2 req/s each) and 20 attackers in 203.0.113.0/24 (50 req/s each).
void populate(TrafficSim& sim, bool regulars_known_good = true) {
  sim.addClients("10.1.0", 1, 100, regulars_known_good, false, 2);
  sim.addClients("203.0.113", 1, 20, false, true, 50);
}

uint64_t onlyRuleId(const Governor& g, MonoTime now) {
  auto rules = g.rulesJson(now)["rules"];
  EXPECT_EQ(rules.size(), 1u);
  return rules.empty() ? 0 : rules[0]["id"].get<uint64_t>();
}

TEST(Governor, AttackRuleWalksShadowCanaryEnforcedWithoutTouchingRegulars) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  SimTick t;
  for (int s = 0; s < 25; ++s) {
    t = sim.second(true, &rule, 1000);
    EXPECT_EQ(t.legit_refused, 0u) << "second " << s;
  }
  uint64_t id = onlyRuleId(g, sim.clock().now());
  EXPECT_EQ(g.stageOf(id), Stage::kEnforced);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_EQ(events.kinds, (std::vector<std::string>{"rule.proposed", "rule.shadow", "rule.canary",
                                                    "rule.enforced"}));
  EXPECT_NE(events.last("rule.canary").find("0 of its"), std::string::npos)
      << events.last("rule.canary");
  // The canary's evidence compares its enforced share with the rest of its matches.
  const nlohmann::json& shares = events.evidence.back()["shares"];
  uint64_t in = shares["enforced_share"]["requests"].get<uint64_t>();
  uint64_t out = shares["not_enforced_share"]["requests"].get<uint64_t>();
  EXPECT_GT(in, 0u);
  EXPECT_GT(out, in);  // a tenth of the clients, more or less
  EXPECT_EQ(shares["enforced_share"]["known_good"], 0);
}

TEST(Governor, WithDefaultWindowsAFloodIsEnforcedTwoTicksAfterItsProposal) {
  Governor g;
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  std::vector<bool> all_refused;
  for (int s = 0; s < 5; ++s) {
    SimTick t = sim.second(true, &rule, 1000);
    all_refused.push_back(t.attack_refused == t.attack_sent);
    EXPECT_EQ(t.legit_refused, 0u);
  }
  // Proposed in second 0, counted in shadow during 1, canary during 2, enforced on all from 3.
  EXPECT_EQ(all_refused, (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
}

TEST(Governor, DetectorEvidenceForAHostLetsTheCollateralGateJudgeAtOnce) {
  Governor g;
  MonoTime now{std::chrono::seconds(100)};
  shield::MitigationRule host;
  host.match.source = net("203.0.113.9/32");
  shield::RuleCounts seen{.matched = 900};
  g.propose(host, 900, now, &seen, std::chrono::seconds(1));
  // Enforced in the tick that found it: one address has no share to canary.
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  // A known-good host is refused outright, from the same evidence.
  shield::MitigationRule regular;
  regular.match.source = net("10.1.0.9/32");
  shield::RuleCounts regular_seen{.matched = 900, .matched_known_good = 900};
  g.propose(regular, 900, now, &regular_seen, std::chrono::seconds(1));
  EXPECT_EQ(g.stageOf(2), Stage::kRolledBack);
  // Too little evidence: it waits in shadow like any other rule.
  shield::MitigationRule faint;
  faint.match.source = net("203.0.113.10/32");
  shield::RuleCounts faint_seen{.matched = 5};
  g.propose(faint, 5, now, &faint_seen, std::chrono::seconds(1));
  EXPECT_EQ(g.stageOf(3), Stage::kShadow);
}

TEST(Governor, WithDefaultWindowsShortPulsesStillEngageOnce) {
  Governor g;
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 120; ++s) sim.second(s % 10 < 2, &rule, 1000);  // 2 s bursts every 10 s
  EXPECT_EQ(g.stats().engages, 1u);
  EXPECT_EQ(g.stats().disengages, 0u);
  EXPECT_EQ(g.stats().rolled_back, 0u);
}

TEST(Governor, CanaryEnforcesAConsistentFractionOfClients) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  sim.addClients("203.0.113", 1, 200, false, true, 5);
  auto rule = attackRule();
  for (int s = 0; s < 11; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(1), Stage::kCanary);
  std::vector<bool> first;
  SimTick t = sim.second(true, &rule, 1000);
  double share = static_cast<double>(t.attack_refused) / static_cast<double>(t.attack_sent);
  EXPECT_GT(share, 0.03);
  EXPECT_LT(share, 0.2);
  // The same clients are in the share each time: a client is consistently in or out.
  for (const auto& c : sim.clients()) {
    first.push_back(sim.rules().decide(c.address, 0, "/", "GET", {}, sim.clock().now(), false,
                                       nullptr) != nullptr);
  }
  sim.second(true, &rule, 1000);
  for (size_t i = 0; i < sim.clients().size(); ++i) {
    bool now = sim.rules().decide(sim.clients()[i].address, 0, "/", "GET", {}, sim.clock().now(),
                                  false, nullptr) != nullptr;
    EXPECT_EQ(now, first[i]);
  }
}

TEST(Governor, HarmfulRuleMatchingEveryoneIsRefusedByTheCollateralGate) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto id = g.addOperatorRule(everyone(), sim.clock().now());
  ASSERT_TRUE(id) << id.error();
  for (int s = 0; s < 30; ++s) {
    SimTick t = sim.second(false);
    EXPECT_EQ(t.legit_refused, 0u) << "second " << s;  // shadow never enforces
  }
  EXPECT_EQ(g.stageOf(*id), Stage::kRolledBack);
  EXPECT_NE(events.last("rule.rolled_back").find("collateral gate: refused"), std::string::npos)
      << events.last("rule.rolled_back");
  EXPECT_TRUE(g.published().empty());
}

TEST(Governor, HarmfulRuleWithNoKnownGoodClientsIsRolledBackByTheEffectGate) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  sim.addClients("10.1.0", 1, 200, /*known_good=*/false, false, 2);  // a fresh deployment
  auto id = g.addOperatorRule(everyone(), sim.clock().now());
  ASSERT_TRUE(id) << id.error();
  double worst = 1;
  int rolled_back_at = -1;
  for (int s = 0; s < 40; ++s) {
    SimTick t = sim.second(false);
    worst = std::min(worst, t.legitSuccess());
    if (rolled_back_at < 0 && g.stageOf(*id) == Stage::kRolledBack) rolled_back_at = s;
    if (rolled_back_at >= 0 && s > rolled_back_at) {
      EXPECT_EQ(t.legit_refused, 0u) << s;
    }
  }
  // Only the canary's share ever felt it, and only for the canary window.
  EXPECT_GT(worst, 0.8);
  EXPECT_LT(worst, 1.0);
  EXPECT_GE(rolled_back_at, 19);
  EXPECT_LE(rolled_back_at, 21);
  EXPECT_NE(events.last("rule.rolled_back").find("effect gate: no effect"), std::string::npos);
}

TEST(Governor, NarrowsARuleThatWouldHitSomeKnownGoodClients) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  sim.addClients("203.0.113", 200, 10, /*known_good=*/true, false, 2);  // 2% of the matches
  auto rule = attackRule();
  SimTick t;
  for (int s = 0; s < 25; ++s) {
    t = sim.second(true, &rule, 1000);
    EXPECT_EQ(t.legit_refused, 0u) << "second " << s;
  }
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_TRUE(g.published().at(0).spare_known_good);
  // Narrowed, it spares the known-good clients a canary would look after: no canary.
  EXPECT_NE(events.last("rule.enforced").find("narrowed"), std::string::npos);
  EXPECT_EQ(events.last("rule.canary"), "");
}

TEST(Governor, RefusesWhenKnownGoodClientsAreALargeShare) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  sim.addClients("203.0.113", 1, 10, false, true, 10);
  sim.addClients("203.0.113", 100, 50, true, false, 2);  // half the matches are regulars
  auto rule = attackRule();
  for (int s = 0; s < 12; ++s) sim.second(true, &rule, 100);
  EXPECT_EQ(g.stageOf(1), Stage::kRolledBack);
  // Rolled back: the detector's next proposals of the same match are not adopted for a while.
  for (int s = 0; s < 5; ++s) sim.second(true, &rule, 100);
  EXPECT_TRUE(g.published().empty());
}

// The same share of regulars under a challenge (a flood copying the users' requests): narrowed,
// not refused — narrowed it never acts on the regulars, and newcomers that keep cookies pass it.
TEST(Governor, AChallengeSharedWithKnownGoodClientsIsNarrowedNotRefused) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  sim.addClients("203.0.113", 1, 10, false, true, 10);
  sim.addClients("203.0.113", 100, 50, true, false, 2);  // half the matches are regulars
  auto rule = attackRule();
  rule.action = shield::RuleAction::kChallenge;
  for (int s = 0; s < 25; ++s) sim.second(true, &rule, 100);
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  ASSERT_EQ(g.published().size(), 1u);
  EXPECT_TRUE(g.published().at(0).spare_known_good);
  const MonoTime now = sim.clock().now();
  const shield::MitigationRule* hit =
      sim.rules().decide(ip("203.0.113.1"), 0, "/", "GET", {}, now, false, nullptr);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->action, shield::RuleAction::kChallenge);
  EXPECT_EQ(sim.rules().decide(ip("203.0.113.100"), 0, "/", "GET", {}, now, true, nullptr),
            nullptr);
  EXPECT_NE(events.last("rule.enforced").find("but a challenge: narrowed"), std::string::npos)
      << events.last("rule.enforced");
}

TEST(Governor, EnforcedRuleThatStartsHittingKnownGoodClientsIsNarrowedAtOnce) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 25; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(1), Stage::kEnforced);
  // Regulars of the service appear behind the attacked prefix (a shared NAT, say).
  sim.addClients("203.0.113", 200, 20, true, false, 2);
  int harmed_seconds = 0;
  SimTick t;
  for (int s = 0; s < 10; ++s) {
    t = sim.second(true, &rule, 1000);
    harmed_seconds += t.legit_refused > 0 ? 1 : 0;
  }
  EXPECT_GE(harmed_seconds, 1);
  EXPECT_LE(harmed_seconds, 3);
  EXPECT_EQ(t.legit_refused, 0u);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  EXPECT_NE(events.last("rule.narrowed").find("known-good"), std::string::npos);
}

TEST(Governor, OperatorRuleRefusingKnownGoodIsRolledBackByTheEffectGate) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  sim.addClients("10.1.0", 1, 100, false, false, 2);
  auto id = g.addOperatorRule(everyone(), sim.clock().now());
  ASSERT_TRUE(id);
  for (int s = 0; s < 12; ++s) sim.second(true);  // an attack elsewhere keeps the signal up
  ASSERT_EQ(g.stageOf(*id), Stage::kCanary);
  // Mid-canary its clients turn out to be regulars: refusing them is harm, more than
  // refuse_collateral of it: rolled back, not narrowed.
  for (auto& c : sim.clients()) c.known_good = true;
  for (int s = 0; s < 3; ++s) sim.second(true);
  EXPECT_EQ(g.stageOf(*id), Stage::kRolledBack);
  EXPECT_NE(events.last("rule.rolled_back").find("effect gate: harm"), std::string::npos)
      << events.last("rule.rolled_back");
}

TEST(Governor, PulseWavesEngageOnceAndDisengageOnce) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  uint64_t legit = 0, refused = 0, attack = 0, attack_refused = 0;
  for (int s = 0; s < 120; ++s) {  // 5 s bursts every 15 s for two minutes
    SimTick t = sim.second(s % 15 < 5, &rule, 1000);
    legit += t.legit_sent;
    refused += t.legit_refused;
    if (s >= 30) {
      attack += t.attack_sent;
      attack_refused += t.attack_refused;
    }
  }
  EXPECT_EQ(refused, 0u) << "of " << legit;
  EXPECT_EQ(attack_refused, attack);  // once engaged it stays: the gaps are shorter than hold
  EXPECT_EQ(g.stats().engages, 1u);
  EXPECT_EQ(g.stats().disengages, 0u);
  for (int s = 0; s < 90; ++s) sim.second(false);
  EXPECT_EQ(g.stats().engages, 1u);
  EXPECT_EQ(g.stats().disengages, 1u);
  EXPECT_EQ(g.stageOf(1), Stage::kExpired);
}

TEST(Governor, PulseGapsLongerThanHoldDoFlipTheRule) {
  // The control for the test above: the flip counter sees flips when there are some. With a
  // hold shorter than the gaps, each burst re-enforces the relaxing rule.
  GovernorConfig config = tenSecondWindows();
  config.hold = std::chrono::seconds(5);
  config.relax_steps = 10;
  Governor g(config);
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 120; ++s) sim.second(s % 15 < 5, &rule, 1000);
  EXPECT_GE(g.stats().engages, 5u);
  EXPECT_GE(g.stats().disengages, 5u);
}

TEST(Governor, AttackEndRelaxesGraduallyAfterHoldThenExpires) {
  Governor g(tenSecondWindows());  // hold 30 s, 3 relax steps of 10 s
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 30; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(1), Stage::kEnforced);
  // Attackers keep a trickle going below the signal, so the relaxing share is visible.
  sim.addClients("203.0.113", 30, 200, false, true, 1);
  for (auto& c : sim.clients()) {
    if (c.attacker) c.per_second = 1;
  }
  std::vector<double> refused_share;
  int expired_at = -1;
  for (int s = 0; s < 80; ++s) {
    SimTick t = sim.second(true, nullptr, 0);
    refused_share.push_back(static_cast<double>(t.attack_refused) / t.attack_sent);
    if (expired_at < 0 && g.stageOf(1) == Stage::kExpired) expired_at = s;
  }
  EXPECT_EQ(refused_share[25], 1.0);                // within hold: still enforced
  EXPECT_GT(refused_share[35], refused_share[45]);  // relaxing in steps
  EXPECT_GT(refused_share[45], refused_share[55]);
  EXPECT_GE(expired_at, 59);
  EXPECT_LE(expired_at, 61);
  EXPECT_EQ(refused_share[70], 0.0);  // no rule left after hold and its steps
  EXPECT_EQ(g.stats().disengages, 1u);
}

TEST(Governor, CountsLiveRulesByStageAndEveryMoveByItsTarget) {
  Governor g;
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  auto live = [&](Stage s) { return g.liveByStage()[static_cast<size_t>(s)]; };
  auto moves = [&](Stage s) { return g.stats().moves_to[static_cast<size_t>(s)]; };
  sim.second(true, &rule, 1000);
  EXPECT_EQ(live(Stage::kShadow), 1u);
  EXPECT_EQ(moves(Stage::kShadow), 1u);
  for (int s = 0; s < 4; ++s) sim.second(true, &rule, 1000);
  EXPECT_EQ(live(Stage::kShadow), 0u);
  EXPECT_EQ(live(Stage::kEnforced), 1u);
  EXPECT_EQ(moves(Stage::kCanary), 1u);
  EXPECT_EQ(moves(Stage::kEnforced), 1u);
  ASSERT_TRUE(g.addOperatorRule(everyone(true), sim.clock().now()).ok());  // pinned: no gates
  EXPECT_EQ(live(Stage::kEnforced), 2u);
  EXPECT_EQ(moves(Stage::kEnforced), 2u);
  EXPECT_EQ(g.setKillSwitch(true, sim.clock().now()), 1u);  // the detector's rule goes
  EXPECT_EQ(moves(Stage::kRolledBack), 1u);
  EXPECT_EQ(g.stats().rolled_back, 1u);
  EXPECT_EQ(live(Stage::kEnforced), 1u);
  size_t total = 0;
  for (size_t n : g.liveByStage()) total += n;
  EXPECT_EQ(total, 1u);
}

TEST(Governor, AttackReturningWhileRelaxingIsEnforcedAtOnce) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 30; ++s) sim.second(true, &rule, 1000);
  for (int s = 0; s < 35; ++s) sim.second(false);
  ASSERT_EQ(g.stageOf(1), Stage::kRelaxing);
  sim.second(true, &rule, 1000);
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_EQ(g.stats().engages, 2u);
  EXPECT_EQ(g.stats().disengages, 1u);
}

TEST(Governor, PinnedOperatorRuleIsEnforcedAtOnceAndStays) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  populate(sim);
  OperatorRule op;
  op.match.source = net("203.0.113.0/24");
  op.pinned = true;
  op.ttl = std::chrono::seconds(100);
  auto id = g.addOperatorRule(op, sim.clock().now());
  ASSERT_TRUE(id);
  SimTick t = sim.second(false);
  for (int s = 0; s < 90; ++s) t = sim.second(true);
  EXPECT_EQ(g.stageOf(*id), Stage::kEnforced);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  for (int s = 0; s < 15; ++s) sim.second(true);
  EXPECT_EQ(g.stageOf(*id), Stage::kExpired);  // its ttl
}

TEST(Governor, KillSwitchDropsEveryAutomaticRuleAndAdoptsNoneUntilReleased) {
  Events events;
  Governor g(tenSecondWindows(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  OperatorRule op;
  op.match.path_prefix = "/admin";
  op.pinned = true;
  ASSERT_TRUE(g.addOperatorRule(op, sim.clock().now()));
  auto rule = attackRule();
  for (int s = 0; s < 25; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.published().size(), 2u);
  EXPECT_EQ(g.setKillSwitch(true, sim.clock().now()), 1u);
  EXPECT_TRUE(sim.second(true, &rule, 1000).changed);
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.attack_refused, 0u);
  ASSERT_EQ(g.published().size(), 1u);
  EXPECT_EQ(g.published()[0].origin, shield::RuleOrigin::kOperator);
  EXPECT_EQ(g.statusJson()["kill_switch"], true);
  g.setKillSwitch(false, sim.clock().now());
  sim.second(true, &rule, 1000);
  // The match was rolled back moments ago: a detector proposal of it waits out retry_after.
  EXPECT_EQ(g.published().size(), 1u);
}

TEST(Governor, DryRunWalksTheLifecycleButNeverEnforces) {
  Events events;
  GovernorConfig config = tenSecondWindows();
  config.dry_run = true;
  Governor g(config, events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 30; ++s) {
    SimTick t = sim.second(true, &rule, 1000);
    EXPECT_EQ(t.attack_refused, 0u);
  }
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  EXPECT_EQ(g.published().at(0).fraction, 0);
  EXPECT_EQ(events.kinds.back(), "rule.enforced");
  g.setDryRun(false, sim.clock().now());
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_TRUE(t.changed);
  t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
}

TEST(Governor, BadOperatorCallsAreRefusedAndChangeNothing) {
  Governor g(tenSecondWindows());
  MonoTime now{std::chrono::seconds(10)};
  OperatorRule empty;
  auto r = g.addOperatorRule(empty, now);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no condition"), std::string::npos);
  OperatorRule limit;
  limit.match.method = "POST";
  limit.action = shield::RuleAction::kRateLimit;
  EXPECT_NE(g.addOperatorRule(limit, now).error().find("rate"), std::string::npos);
  EXPECT_NE(g.pin(42, now).error().find("no live rule #42"), std::string::npos);
  EXPECT_FALSE(g.expire(42, now));
  EXPECT_FALSE(g.ruleJson(42, now));
  EXPECT_TRUE(g.published().empty());
  EXPECT_TRUE(g.rulesJson(now)["rules"].empty());
  // A duplicate of a live rule is refused too.
  limit.rate = 5;
  auto id = g.addOperatorRule(limit, now);
  ASSERT_TRUE(id);
  EXPECT_NE(g.addOperatorRule(limit, now).error().find("already matches"), std::string::npos);
  EXPECT_EQ(g.published().size(), 1u);
}

TEST(Governor, LiveRulesAreCapped) {
  GovernorConfig config = tenSecondWindows();
  config.max_rules = 4;
  Governor g(config);
  MonoTime now{std::chrono::seconds(10)};
  for (int i = 0; i < 6; ++i) {
    shield::MitigationRule rule;
    rule.match.source = shield::IpPrefix::host(ip(("198.51.100." + std::to_string(i)).c_str()));
    g.propose(rule, 100, now);
  }
  auto published = g.published();
  EXPECT_EQ(published.size(), 4u);
  std::vector<uint16_t> slots;
  for (const auto& r : published) slots.push_back(r.tally);
  EXPECT_EQ(slots, (std::vector<uint16_t>{0, 1, 2, 3}));
  // Expiring one frees its slot for the next proposal.
  ASSERT_TRUE(g.expire(published[0].id, now));
  shield::MitigationRule next;
  next.match.source = net("198.51.100.99/32");
  g.propose(next, 100, now);
  EXPECT_EQ(g.published().back().tally, 0);
}

TEST(Governor, WhyNamesTheRulesDecidingAClientsFate) {
  Governor g(tenSecondWindows());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 25; ++s) sim.second(true, &rule, 1000);
  g.setWhyContext([](const shield::IpKey&, nlohmann::json& out) { out["known_good"] = false; });
  auto why = g.why(ip("203.0.113.7"), sim.clock().now());
  ASSERT_EQ(why["rules"].size(), 1u);
  EXPECT_EQ(why["rules"][0]["stage"], "enforced");
  EXPECT_EQ(why["rules"][0]["client_in_enforced_share"], true);
  EXPECT_EQ(why["known_good"], false);
  EXPECT_NE(why["verdict"].get<std::string>().find("rule #1"), std::string::npos);
  auto other = g.why(ip("10.1.0.7"), sim.clock().now());
  EXPECT_TRUE(other["rules"].empty());
  EXPECT_EQ(other["verdict"], "no mitigation rule is enforced on this client");
}

}  // namespace
}  // namespace floodgate::governor

namespace floodgate::governor {
namespace {

TEST(Governor, StateAndTickWorkStayBoundedUnderAFloodOfProposals) {
  GovernorConfig config;
  config.retry_after = std::chrono::seconds(1);
  Governor g(config);
  ManualClock clock;
  shield::RuleTally tally;
  for (int second = 0; second < 200; ++second) {
    for (uint32_t i = 0; i < 500; ++i) {  // 100,000 distinct hosts proposed over the run
      shield::MitigationRule rule;
      rule.match.source =
          shield::IpPrefix::host(shield::IpKey::fromV4(0x0A000000u + second * 500 + i));
      g.propose(rule, 100, clock.now());
    }
    TickSignals signals;
    signals.tally = &tally;
    g.tick(signals, clock.now());
    clock.advance(std::chrono::seconds(1));
  }
  auto stats = g.stats();
  EXPECT_LE(stats.live_rules, config.max_rules);
  EXPECT_EQ(g.published().size(), stats.live_rules);
  auto json = g.rulesJson(clock.now());
  EXPECT_LE(json["rules"].size(), config.max_rules);
  EXPECT_LE(json["finished"].size(), 64u);
  for (const auto& r : json["rules"]) EXPECT_LE(r["history"].size(), 12u);
  std::printf("governor tick with %zu live rules: last %.0f us, max %.0f us\n", stats.live_rules,
              stats.last_tick_us, stats.max_tick_us);
}

// The defense loop's 500 ms tick with the default windows: a detector's challenge (what a heavy
// fingerprint gets) is counted in shadow for shadow_window, then enforced on all — no canary.
TEST(Governor, ADetectorChallengeIsEnforcedOneShadowWindowAfterItsProposal) {
  Events events;
  Governor g({}, events.sink());
  TrafficSim sim(&g, milliseconds(500));
  populate(sim);
  auto rule = attackRule();
  rule.action = shield::RuleAction::kChallenge;
  std::vector<bool> all_refused;
  for (int tick = 0; tick < 5; ++tick) {
    SimTick t = sim.second(true, &rule, 1000);
    all_refused.push_back(t.attack_refused == t.attack_sent);
    EXPECT_EQ(t.legit_refused, 0u) << "tick " << tick;
  }
  // Proposed at 0 s, counted during tick 1, enforced at 0.5 s: every attacker refused from tick
  // 2 (1 s). With a canary of 1 s it would be tick 4.
  EXPECT_EQ(all_refused, (std::vector<bool>{false, false, true, true, true}));
  EXPECT_EQ(events.kinds,
            (std::vector<std::string>{"rule.proposed", "rule.shadow", "rule.enforced"}));
  EXPECT_NE(events.last("rule.enforced").find("a challenge"), std::string::npos)
      << events.last("rule.enforced");
}

TEST(Governor, ADetectorRuleNarrowedInShadowIsEnforcedWithoutACanary) {
  Events events;
  Governor g({}, events.sink());
  TrafficSim sim(&g, milliseconds(500));
  populate(sim);
  sim.addClients("203.0.113", 200, 10, /*known_good=*/true, false, 2);  // 2% of the matches
  auto rule = attackRule();  // a block
  for (int tick = 0; tick < 3; ++tick) {
    EXPECT_EQ(sim.second(true, &rule, 1000).legit_refused, 0u) << "tick " << tick;
  }
  EXPECT_EQ(g.stageOf(1), Stage::kEnforced);
  ASSERT_EQ(g.published().size(), 1u);
  EXPECT_TRUE(g.published().at(0).spare_known_good);
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_EQ(t.legit_refused, 0u);
  EXPECT_EQ(g.stats().moves_to[static_cast<size_t>(Stage::kCanary)], 0u);
}

// The canary is skipped, not the promise: a challenge enforced straight from shadow that starts
// refusing known-good clients is narrowed at the first tick it does, and one that the origin
// fails with, no attack to explain it, is rolled back.
TEST(Governor, AChallengeEnforcedWithoutACanaryIsStillJudgedByTheEffectGate) {
  Events events;
  Governor g({}, events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  rule.action = shield::RuleAction::kChallenge;
  for (int s = 0; s < 3; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(1), Stage::kEnforced);
  sim.addClients("203.0.113", 200, 20, /*known_good=*/true, false, 2);  // a shared NAT
  EXPECT_GT(sim.second(true, &rule, 1000).legit_refused, 0u);
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.legit_refused, 0u);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_NE(events.last("rule.narrowed").find("known-good"), std::string::npos);
  // The attack is gone and the origin fails half its requests with the rule in place: harm, once
  // a window of the effect gate has no attack in it to explain the failures.
  sim.origin_failure_ratio = 0.5;
  for (int s = 0; s < 12 && g.stageOf(1) != Stage::kRolledBack; ++s) sim.second(false);
  EXPECT_EQ(g.stageOf(1), Stage::kRolledBack);
  EXPECT_NE(events.last("rule.rolled_back").find("effect gate: harm"), std::string::npos)
      << events.last("rule.rolled_back");
}

// Pulse waves with gaps longer than hold and the relaxing steps: each burst would start the rule
// over in shadow and canary and be over before it acted.
GovernorConfig shortHold() {
  GovernorConfig config;
  config.hold = std::chrono::seconds(5);
  config.relax_steps = 1;
  config.relax_step = std::chrono::seconds(2);
  return config;
}

TEST(Governor, AMatchThatRelaxedFullyIsEnforcedAgainInTheTickItIsProposed) {
  Events events;
  Governor g(shortHold(), events.sink());
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();  // a prefix block: shadow and canary the first time
  for (int s = 0; s < 6; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(1), Stage::kEnforced);
  for (int s = 0; s < 15; ++s) sim.second(false);  // hold, one relax step: expired
  ASSERT_EQ(g.stageOf(1), Stage::kExpired);
  sim.second(true, &rule, 1000);  // the next burst: proposed again
  EXPECT_EQ(g.stageOf(2), Stage::kEnforced);
  EXPECT_NE(events.last("rule.enforced").find("relaxed fully"), std::string::npos)
      << events.last("rule.enforced");
  SimTick t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_EQ(t.legit_refused, 0u);
  // Still under the effect gate: regulars behind the prefix now are spared at once.
  sim.addClients("203.0.113", 200, 20, /*known_good=*/true, false, 2);
  sim.second(true, &rule, 1000);
  t = sim.second(true, &rule, 1000);
  EXPECT_EQ(t.legit_refused, 0u);
  EXPECT_EQ(t.attack_refused, t.attack_sent);
  EXPECT_TRUE(g.published().at(0).spare_known_good);
}

TEST(Governor, OnlyARecentQuietEndLetsAMatchSkipTheGates) {
  GovernorConfig config = shortHold();
  config.reengage_within = std::chrono::seconds(60);
  Governor g(config);
  TrafficSim sim(&g);
  populate(sim);
  auto rule = attackRule();
  for (int s = 0; s < 6; ++s) sim.second(true, &rule, 1000);
  for (int s = 0; s < 70; ++s) sim.second(false);  // expired, and longer ago than 60 s
  ASSERT_EQ(g.stageOf(1), Stage::kExpired);
  sim.second(true, &rule, 1000);
  EXPECT_EQ(g.stageOf(2), Stage::kShadow);
  // Enforced through the gates, then expired by an operator: an operator's word, not a quiet
  // end, so the next proposal starts in shadow too.
  for (int s = 0; s < 5; ++s) sim.second(true, &rule, 1000);
  ASSERT_EQ(g.stageOf(2), Stage::kEnforced);
  ASSERT_TRUE(g.expire(2, sim.clock().now()).ok());
  sim.second(true, &rule, 1000);
  EXPECT_EQ(g.stageOf(3), Stage::kShadow);
  // A rule rolled back by a gate is not proposed again at all for retry_after.
  sim.addClients("203.0.113", 100, 150, /*known_good=*/true, false, 10);  // regulars behind it
  for (int s = 0; s < 5; ++s) sim.second(true, &rule, 1000);
  EXPECT_EQ(g.stageOf(3), Stage::kRolledBack);
  sim.second(true, &rule, 1000);
  EXPECT_TRUE(g.published().empty());
}

}  // namespace
}  // namespace floodgate::governor
