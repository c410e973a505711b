#include "shield/priority.h"

#include <gtest/gtest.h>

namespace floodgate::shield {
namespace {

TEST(PriorityClass, Table) {
  struct Case {
    bool known_good, deprioritised, anomaly;
    PriorityClass want;
  };
  const Case cases[] = {
      {true, false, false, PriorityClass::kKnownGood},
      {true, false, true, PriorityClass::kKnownGood},
      {false, false, false, PriorityClass::kUnknown},
      {false, false, true, PriorityClass::kUnknown},
      {false, true, true, PriorityClass::kSuspicious},
      {true, true, true, PriorityClass::kSuspicious},  // the rule beats history
      {false, true, false, PriorityClass::kUnknown},   // the anomaly is over
      {true, true, false, PriorityClass::kUnknown},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(classifyRequest(c.known_good, c.deprioritised, c.anomaly), c.want)
        << c.known_good << c.deprioritised << c.anomaly;
  }
  static_assert(classifyRequest(true, false, true) == PriorityClass::kKnownGood);
  EXPECT_STREQ(priorityClassName(PriorityClass::kSuspicious), "suspicious");
}

}  // namespace
}  // namespace floodgate::shield
