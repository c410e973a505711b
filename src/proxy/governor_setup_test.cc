#include "proxy/governor_setup.h"

#include <gtest/gtest.h>

namespace floodgate::proxy {
namespace {

config::OperatorRuleConfig rule(const char* name, const char* source, bool pinned = false) {
  config::OperatorRuleConfig r;
  r.name = name;
  r.source = source;
  r.pinned = pinned;
  return r;
}

std::vector<std::string> live(const governor::Governor& g, MonoTime now) {
  std::vector<std::string> out;
  nlohmann::json all = g.rulesJson(now);
  for (const auto& r : all["rules"]) {
    out.push_back(r["describe"].get<std::string>() + " " + r["stage"].get<std::string>());
  }
  return out;
}

TEST(ConfigRules, ReloadAddsNewRulesExpiresRemovedOnesAndKeepsTheRest) {
  config::Governor section;
  section.rules = {rule("a", "192.0.2.0/24", true), rule("b", "198.51.100.7")};
  governor::Governor g(governorConfig(section));
  ConfigRules rules;
  MonoTime now{std::chrono::seconds(50)};
  rules.apply(section, g, now);
  EXPECT_EQ(live(g, now), (std::vector<std::string>{"source 192.0.2.0/24 enforced",
                                                    "source 198.51.100.7/32 shadow"}));
  // Unchanged: nothing happens (the rules keep their stage and counts).
  rules.apply(section, g, now);
  EXPECT_EQ(live(g, now).size(), 2u);
  // b removed, c added, a edited (now unpinned): b expires, a is replaced, c enters shadow.
  section.rules = {rule("a", "192.0.2.0/24"), rule("c", "203.0.113.0/24")};
  rules.apply(section, g, now);
  EXPECT_EQ(live(g, now), (std::vector<std::string>{"source 192.0.2.0/24 shadow",
                                                    "source 203.0.113.0/24 shadow"}));
}

TEST(ConfigRules, GovernorConfigCarriesEveryKnob) {
  config::Governor section;
  section.dry_run = true;
  section.max_collateral = 0.02;
  section.refuse_collateral = 0.3;
  section.shadow_window = seconds(3);
  section.canary_fraction = 0.2;
  section.canary_window = seconds(4);
  section.effect_window = seconds(5);
  section.hold = seconds(6);
  section.relax_steps = 7;
  section.relax_step = seconds(8);
  section.max_rules = 9;
  governor::GovernorConfig c = governorConfig(section);
  EXPECT_TRUE(c.dry_run);
  EXPECT_DOUBLE_EQ(c.max_collateral, 0.02);
  EXPECT_DOUBLE_EQ(c.refuse_collateral, 0.3);
  EXPECT_EQ(c.shadow_window, seconds(3));
  EXPECT_DOUBLE_EQ(c.canary_fraction, 0.2);
  EXPECT_EQ(c.canary_window, seconds(4));
  EXPECT_EQ(c.effect_window, seconds(5));
  EXPECT_EQ(c.hold, seconds(6));
  EXPECT_EQ(c.relax_steps, 7);
  EXPECT_EQ(c.relax_step, seconds(8));
  EXPECT_EQ(c.max_rules, 9u);
}

}  // namespace
}  // namespace floodgate::proxy
