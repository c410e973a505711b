#include "storm/expectation.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(Expectation, ParsesComparisonsAndUnits) {
  struct Case {
    const char* text;
    const char* metric;
    Comparison op;
    double threshold;
  } cases[] = {
      {"legit_success >= 0.995", "legit_success", Comparison::kGe, 0.995},
      {"legit_success>=99.5%", "legit_success", Comparison::kGe, 0.995},
      {"legit_p99_ms <= 250", "legit_p99_ms", Comparison::kLe, 250},
      {"legit_p99_ms < 0.25s", "legit_p99_ms", Comparison::kLt, 250},
      {"time_to_mitigate_s <= 5s", "time_to_mitigate_s", Comparison::kLe, 5},
      {"time_to_mitigate_s <= 1500ms", "time_to_mitigate_s", Comparison::kLe, 1.5},
      {"attack_admitted < 5%", "attack_admitted", Comparison::kLt, 0.05},
      {"collateral_users == 0", "collateral_users", Comparison::kEq, 0},
      {"  collateral > 0.1 ", "collateral", Comparison::kGt, 0.1},
  };
  for (const auto& c : cases) {
    auto e = parseExpectation(c.text);
    ASSERT_TRUE(e.ok()) << c.text << ": " << e.error();
    EXPECT_EQ(e->metric, c.metric) << c.text;
    EXPECT_EQ(e->op, c.op) << c.text;
    EXPECT_NEAR(e->threshold, c.threshold, 1e-12) << c.text;
  }
}

TEST(Expectation, RefusesWithAReason) {
  EXPECT_NE(parseExpectation("legit_success").error().find("needs a comparison"),
            std::string::npos);
  EXPECT_NE(parseExpectation("legit_sucess >= 0.9").error().find("unknown metric"),
            std::string::npos);
  EXPECT_NE(parseExpectation("legit_success >= lots").error().find("not a value"),
            std::string::npos);
  EXPECT_FALSE(parseExpectation("collateral_users <= 5ms").ok());
}

TEST(Expectation, Holds) {
  auto e = *parseExpectation("legit_success >= 0.995");
  EXPECT_TRUE(expectationHolds(e, 0.995));
  EXPECT_TRUE(expectationHolds(e, 1.0));
  EXPECT_FALSE(expectationHolds(e, 0.99));
  EXPECT_FALSE(expectationHolds(e, std::nullopt));
  auto eq = *parseExpectation("collateral_users == 0");
  EXPECT_TRUE(expectationHolds(eq, 0));
  EXPECT_FALSE(expectationHolds(eq, 1));
}

}  // namespace
}  // namespace floodgate::storm
