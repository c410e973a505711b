#include "config/governor_section.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace floodgate::config {
namespace {

const char* kBase =
    "listeners: [{ address: 127.0.0.1:8080 }]\n"
    "routes: [{ name: web, cluster: app }]\n"
    "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n";

LoadResult load(const std::string& governor) {
  return loadConfigString(std::string(kBase) + governor, "governor.yaml");
}

TEST(GovernorSection, Defaults) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const governor::GovernorConfig& g = r.config->governor.knobs;
  const auto& rules = r.config->governor.rules;
  EXPECT_FALSE(g.dry_run);
  EXPECT_DOUBLE_EQ(g.max_collateral, 0.01);
  EXPECT_EQ(g.hold, seconds(30));
  EXPECT_TRUE(rules.empty());
}

TEST(GovernorSection, ReadsEverything) {
  auto r = load(
      "governor:\n"
      "  dry_run: true\n"
      "  max_collateral: 2%\n"
      "  refuse_collateral: 0.3\n"
      "  shadow_window: 5s\n"
      "  canary_fraction: 25%\n"
      "  canary_window: 4s\n"
      "  effect_window: 20s\n"
      "  hold: 1m\n"
      "  relax_steps: 4\n"
      "  relax_step: 15s\n"
      "  reengage_within: 2m\n"
      "  max_rules: 64\n"
      "  rules:\n"
      "    - { name: scraper, source: 203.0.113.0/24, action: block, reason: ticket 12 }\n"
      "    - { path_prefix: /login, method: POST, action: rate_limit, rate: 600/m, burst: 20,\n"
      "        pinned: true, ttl: 1h }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const governor::GovernorConfig& g = r.config->governor.knobs;
  const auto& rules = r.config->governor.rules;
  EXPECT_TRUE(g.dry_run);
  EXPECT_DOUBLE_EQ(g.max_collateral, 0.02);
  EXPECT_DOUBLE_EQ(g.refuse_collateral, 0.3);
  EXPECT_EQ(g.shadow_window, seconds(5));
  EXPECT_DOUBLE_EQ(g.canary_fraction, 0.25);
  EXPECT_EQ(g.canary_window, seconds(4));
  EXPECT_EQ(g.effect_window, seconds(20));
  EXPECT_EQ(g.hold, seconds(60));
  EXPECT_EQ(g.relax_steps, 4);
  EXPECT_EQ(g.relax_step, seconds(15));
  EXPECT_EQ(g.reengage_within, seconds(120));
  EXPECT_EQ(g.max_rules, 64u);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name, "scraper");
  EXPECT_EQ(rules[0].spec.source, "203.0.113.0/24");
  EXPECT_EQ(rules[0].spec.reason, "ticket 12");
  EXPECT_FALSE(rules[0].spec.pinned);
  EXPECT_EQ(rules[1].spec.action, "rate_limit");
  EXPECT_DOUBLE_EQ(rules[1].spec.rate, 10);
  EXPECT_DOUBLE_EQ(rules[1].spec.burst, 20);
  EXPECT_TRUE(rules[1].spec.pinned);
  EXPECT_EQ(rules[1].spec.ttl, seconds(3600));
}

TEST(GovernorSection, ProblemsSayWhereAndWhat) {
  struct Case {
    const char* yaml;
    const char* expected;
  } cases[] = {
      {"governor: { max_colateral: 1% }\n", "max_colateral"},
      {"governor: { max_collateral: 150% }\n", "must be a share between 0% and 100%"},
      {"governor: { max_collateral: lots }\n", "\"lots\" must be a share"},
      {"governor: { max_collateral: 5%, refuse_collateral: 1% }\n",
       "refuse_collateral must not be below max_collateral"},
      {"governor: { relax_steps: 0 }\n", "relax_steps"},
      {"governor: { max_rules: 1000 }\n", "max_rules"},
      {"governor: { dry_run: maybe }\n", "must be true or false"},
      {"governor: { rules: [{ action: block }] }\n", "has no condition and would match every"},
      {"governor: { rules: [{ source: 10.0.0.0/33 }] }\n", "source"},
      {"governor: { rules: [{ method: GET, action: smite }] }\n", "\"smite\" is not an action"},
      {"governor: { rules: [{ method: GET, action: rate_limit }] }\n", "needs rate:"},
      {"governor: { rules: [{ method: GET, header_value: x }] }\n", "needs header:"},
      {"governor: [1, 2]\n", "governor must be a map"},
  };
  for (const auto& c : cases) {
    auto r = load(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.describeProblems().find(c.expected), std::string::npos)
        << c.yaml << " gave: " << r.describeProblems();
    EXPECT_NE(r.describeProblems().find("governor.yaml:"), std::string::npos);
  }
}

}  // namespace
}  // namespace floodgate::config
