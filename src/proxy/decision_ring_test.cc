#include "proxy/decision_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace floodgate::proxy {
namespace {

Decision decision(std::string_view id, uint16_t status) {
  Decision d;
  d.setRequestId(id);
  d.client = *shield::IpKey::parse("203.0.113.9");
  d.status = status;
  return d;
}

TEST(DecisionRing, FindsTheNewestDecisionForAnId) {
  DecisionRing ring(8);
  ring.record(decision("aaaa", 200));
  ring.record(decision("bbbb", 403));
  ring.record(decision("aaaa", 502));  // a client may reuse its own X-Request-Id
  auto found = ring.find("aaaa");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, 502);
  EXPECT_EQ(ring.find("bbbb")->status, 403);
  EXPECT_FALSE(ring.find("cccc").has_value());
  EXPECT_FALSE(ring.find("aaa").has_value());  // a prefix is not the id
}

TEST(DecisionRing, ForgetsWhatWasOverwritten) {
  DecisionRing ring(4);
  for (int i = 0; i < 10; ++i) ring.record(decision("id-" + std::to_string(i), 200));
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(ring.find("id-" + std::to_string(i))) << i;
  for (int i = 6; i < 10; ++i) EXPECT_TRUE(ring.find("id-" + std::to_string(i))) << i;
}

TEST(DecisionRing, LongIdsAreMatchedWholeThoughStoredInPart) {
  DecisionRing ring(4);
  std::string long_id(100, 'x');
  std::string other = long_id;
  other.back() = 'y';  // the same first 32 characters
  ring.record(decision(long_id, 200));
  EXPECT_TRUE(ring.find(long_id).has_value());
  EXPECT_FALSE(ring.find(other).has_value());
  EXPECT_FALSE(ring.find(long_id.substr(0, Decision::kIdChars)).has_value());
}

TEST(DecisionRing, DescribesARuleRefusal) {
  Decision d = decision("0123456789abcdef0123", 403);
  d.setRoute("api");
  d.verdict = Decision::Verdict::kRejected;
  d.reason = Rejection::kMitigationRule;
  d.rule_id = 7;
  d.rule_permille = 250;
  auto j = describeDecision(d);
  EXPECT_EQ(j["request_id"], "0123456789abcdef0123");
  EXPECT_EQ(j["client"], "203.0.113.9");
  EXPECT_EQ(j["route"], "api");
  EXPECT_EQ(j["verdict"], "rejected");
  EXPECT_EQ(j["stage"], "request");
  EXPECT_EQ(j["reason"], "mitigation_rule");
  EXPECT_EQ(j["status"], 403);
  EXPECT_EQ(j["rule"]["id"], 7);
  EXPECT_DOUBLE_EQ(j["rule"]["enforced_share"].get<double>(), 0.25);

  Decision proxied = decision("p", 200);
  proxied.verdict = Decision::Verdict::kProxied;
  j = describeDecision(proxied);
  EXPECT_EQ(j["verdict"], "proxied");
  EXPECT_TRUE(j["route"].is_null());
  EXPECT_FALSE(j.contains("reason"));
  EXPECT_FALSE(j.contains("rule"));
}

TEST(DecisionRing, KeepsTheRouteNameAsItWasWhenTheRequestWasDecided) {
  Decision d = decision("r", 200);
  d.setRoute("checkout");
  DecisionRing ring(4);
  ring.record(d);
  // What a reload does to the config afterwards no longer matters: the name travelled along.
  auto j = describeDecision(*ring.find("r"));
  EXPECT_EQ(j["route"], "checkout");
  EXPECT_FALSE(j.contains("route_truncated"));

  std::string long_name(40, 'n');
  d.setRoute(long_name);
  j = describeDecision(d);
  EXPECT_EQ(j["route"], long_name.substr(0, Decision::kRouteChars));
  EXPECT_EQ(j["route_truncated"], true);
  d.setRoute("");
  EXPECT_TRUE(describeDecision(d)["route"].is_null());
}

}  // namespace
}  // namespace floodgate::proxy
