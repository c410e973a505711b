#include "proxy/governor_setup.h"

#include <gtest/gtest.h>

namespace floodgate::proxy {
namespace {

config::OperatorRuleConfig rule(const char* name, const char* source, bool pinned = false) {
  config::OperatorRuleConfig r;
  r.name = name;
  r.spec.source = source;
  r.spec.pinned = pinned;
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
  governor::Governor g(section.knobs);
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

}  // namespace
}  // namespace floodgate::proxy
