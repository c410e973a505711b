#include "governor/rules_api.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floodgate::governor {
namespace {

struct Api {
  ManualClock clock;
  Governor governor;
  web::Handler handler = rulesApi(&governor, &clock);

  web::Response call(std::string method, std::string path, std::string body = "") {
    web::Request req;
    req.method = std::move(method);
    size_t q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) req.query = path.substr(q + 1);
    req.body = std::move(body);
    req.peer = "127.0.0.1";
    return handler(req);
  }
  nlohmann::json body(const web::Response& r) { return nlohmann::json::parse(r.body); }
};

TEST(RulesApi, AddListPinExpire) {
  Api api;
  auto added = api.call("POST", "/api/v1/rules",
                        R"({"source": "203.0.113.0/24", "action": "block", "reason": "scraper",
                            "ttl_s": 600})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.content_type, "application/json");
  auto rule = api.body(added);
  EXPECT_EQ(rule["stage"], "shadow");
  EXPECT_EQ(rule["origin"], "operator");
  EXPECT_EQ(rule["match"]["source"], "203.0.113.0/24");
  EXPECT_EQ(rule["evidence"], "operator: scraper");
  const std::string id = std::to_string(rule["id"].get<uint64_t>());

  auto list = api.body(api.call("GET", "/api/v1/rules"));
  ASSERT_EQ(list["rules"].size(), 1u);
  EXPECT_EQ(list["governor"]["kill_switch"], false);
  EXPECT_EQ(list["rules"][0]["history"].size(), 2u);  // proposed, shadow

  auto pinned = api.call("POST", "/api/v1/rules/" + id + "/pin");
  ASSERT_EQ(pinned.status, 200) << pinned.body;
  EXPECT_EQ(api.body(pinned)["stage"], "enforced");
  EXPECT_EQ(api.body(pinned)["pinned"], true);
  EXPECT_EQ(api.governor.published().at(0).fraction, 1);

  auto expired = api.call("DELETE", "/api/v1/rules/" + id);
  ASSERT_EQ(expired.status, 200) << expired.body;
  EXPECT_EQ(api.body(expired)["stage"], "expired");
  EXPECT_TRUE(api.governor.published().empty());
  list = api.body(api.call("GET", "/api/v1/rules"));
  EXPECT_TRUE(list["rules"].empty());
  EXPECT_EQ(list["finished"].size(), 1u);
}

TEST(RulesApi, BadCallsGetClearErrorsAndChangeNothing) {
  Api api;
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    int status;
    const char* expected;
  } cases[] = {
      {"POST", "/api/v1/rules", "{", 400, "not valid JSON"},
      {"POST", "/api/v1/rules", "[1]", 400, "must be a JSON object"},
      {"POST", "/api/v1/rules", R"({"action": "block"})", 400, "no condition"},
      {"POST", "/api/v1/rules", R"({"source": "10.0.0.0/33"})", 400, "source:"},
      {"POST", "/api/v1/rules", R"({"source": "10.0.0.1", "action": "smite"})", 400,
       "\"smite\" is not an action"},
      {"POST", "/api/v1/rules", R"({"method": "POST", "action": "rate_limit"})", 400,
       "needs a rate"},
      {"POST", "/api/v1/rules", R"({"method": "POST", "sauce": 1})", 400,
       "unknown field \"sauce\""},
      {"POST", "/api/v1/rules", R"({"method": 7})", 400, "\"method\" must be a string"},
      {"POST", "/api/v1/rules", R"({"method": "GET", "ttl_s": -1})", 400, "ttl_s"},
      {"PUT", "/api/v1/rules", "", 405, "GET, POST"},
      {"GET", "/api/v1/rules/7", "", 404, "no rule #7"},
      {"GET", "/api/v1/rules/seven", "", 404, "addressed by number"},
      {"POST", "/api/v1/rules/7/pin", "", 404, "no live rule #7"},
      {"POST", "/api/v1/rules/7/expire", "", 404, "no live rule #7"},
      {"POST", "/api/v1/rules/7/smite", "", 404, "pinned"},
      {"GET", "/api/v1/rules/7/pin", "", 405, "POST"},
      {"POST", "/api/v1/rules/kill-switch", R"({"engaged": "yes"})", 400, "\"engaged\": true"},
      {"POST", "/api/v1/rules/dry-run", "", 400, "not valid JSON"},
      {"GET", "/api/v1/why", "", 400, "name the client"},
      {"GET", "/api/v1/why?client=nope", "", 400, "client:"},
      {"GET", "/api/v1/why?request_id=abc", "", 400, "ask by address"},
      {"GET", "/api/v1/elsewhere", "", 404, "/api/v1/rules"},
  };
  for (const auto& c : cases) {
    auto r = api.call(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_NE(body.value("error", "").find(c.expected), std::string::npos)
        << c.method << " " << c.path << " " << c.body << ": " << r.body;
  }
  EXPECT_TRUE(api.governor.published().empty());
  EXPECT_EQ(api.governor.statusJson()["kill_switch"], false);
  EXPECT_EQ(api.governor.statusJson()["dry_run"], false);
}

TEST(RulesApi, KillSwitchDryRunAndWhy) {
  Api api;
  shield::MitigationRule detected;
  detected.match.source = shield::IpPrefix::parse("198.51.100.7/32").value();
  detected.evidence = "heavy_source: 198.51.100.7 sends 900 req/s";
  api.governor.propose(detected, 900, api.clock.now());
  auto why = api.call("GET", "/api/v1/why?client=198.51.100.7");
  ASSERT_EQ(why.status, 200) << why.body;
  auto j = api.body(why);
  ASSERT_EQ(j["rules"].size(), 1u);
  EXPECT_EQ(j["rules"][0]["stage"], "shadow");
  EXPECT_EQ(j["rules"][0]["client_in_enforced_share"], false);
  EXPECT_EQ(j["verdict"], "no mitigation rule is enforced on this client");

  auto dry = api.call("POST", "/api/v1/rules/dry-run", R"({"enabled": true})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(api.governor.statusJson()["dry_run"], true);

  auto kill = api.call("POST", "/api/v1/rules/kill-switch", R"({"engaged": true})");
  ASSERT_EQ(kill.status, 200) << kill.body;
  EXPECT_EQ(api.body(kill)["dropped"], 1);
  EXPECT_TRUE(api.governor.published().empty());
  j = api.body(api.call("GET", "/api/v1/why?client=198.51.100.7"));
  EXPECT_TRUE(j["rules"].empty());
  ASSERT_EQ(j["finished_rules"].size(), 1u);
  EXPECT_EQ(j["finished_rules"][0]["stage"], "rolled_back");
  EXPECT_EQ(j["governor"]["kill_switch"], true);
}

TEST(RulesApi, WhyByRequestIdAsksTheLookupAndAddsTheRuleAsItIsNow) {
  ManualClock clock;
  Governor governor;
  OperatorRule op;
  op.match.source = shield::IpPrefix::parse("203.0.113.9/32").value();
  op.reason = "test";
  op.pinned = true;
  uint64_t id = governor.addOperatorRule(op, clock.now()).value();
  std::vector<std::string> asked;
  Api api;
  api.handler = rulesApi(&governor, &clock, [&](std::string_view request_id) {
    asked.emplace_back(request_id);
    if (request_id != "abc-1") return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(
        nlohmann::json{{"verdict", "rejected"}, {"rule", {{"id", id}, {"enforced_share", 1}}}});
  });
  auto found = api.call("GET", "/api/v1/why?request_id=abc-1");
  ASSERT_EQ(found.status, 200) << found.body;
  auto j = api.body(found);
  EXPECT_EQ(j["verdict"], "rejected");
  EXPECT_EQ(j["rule"]["now"]["id"], id);
  EXPECT_EQ(j["rule"]["now"]["stage"], "enforced");

  auto missing = api.call("GET", "/api/v1/why?request_id=abc-2");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(api.body(missing)["error"].get<std::string>().find("abc-2"), std::string::npos);
  // A malformed id is refused before any worker is asked.
  auto bad = api.call("GET", "/api/v1/why?request_id=a/b");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(asked, (std::vector<std::string>{"abc-1", "abc-2"}));
}

}  // namespace
}  // namespace floodgate::governor
