// Issue 5's remaining proofs, end to end on floodgate alone: a refused request's id leads `why`
// to the rule that refused it; no rule stays enforced after its hold once an attack ends; and an
// origin slowed tenfold mid-run neither multiplies the load (amplification ≤ 1.1) nor leaves the
// service down once it recovers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

// A gateway of `workers` threads in front of `origin_port`, its admin API on, `extra` YAML added.
Server startWithAdmin(uint16_t origin_port, int workers, const std::string& extra,
                      uint16_t* admin) {
  GatewayYaml y;
  y.endpoints = {origin_port};
  y.workers = workers;
  y.extra = "admin:\n  listen: 127.0.0.1:0\n" + extra;
  Server gw = startGatewayWithConfig(y.str());
  *admin = gw.ok() ? adminPortOf(gw) : 0;
  return gw;
}

nlohmann::json getJson(uint16_t port, const std::string& target, int* status = nullptr) {
  HttpClient c(port);
  auto r = c.get(target);
  if (status != nullptr) *status = r ? r->status : 0;
  return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
}

// The value of one sample of the gateway's /metrics ("name{labels}"), nullopt when absent.
std::optional<double> metric(uint16_t admin_port, const std::string& series) {
  HttpClient c(admin_port);
  auto r = c.get("/metrics");
  if (!r) return std::nullopt;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, series.size() + 1, series + " ") == 0) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// The storm lab on one thread: these runs are light, and the gateway gets the other core.
std::string oneThreadStormHead(const std::string& name, uint16_t gw_port, uint16_t origin_port) {
  return stormHead(name, gw_port, origin_port) + "threads: 1\n";
}

// Legitimate success over the seconds [from, to) of a report's series.
double legitSuccess(const nlohmann::json& report, int from, int to) {
  uint64_t ok = 0, requests = 0;
  for (const auto& s : report["series"]) {
    int t = s["t"].get<int>();
    if (t < from || t >= to) continue;
    ok += s["legit"]["ok"].get<uint64_t>();
    requests += s["legit"]["requests"].get<uint64_t>();
  }
  return requests == 0 ? 0 : static_cast<double>(ok) / static_cast<double>(requests);
}

// The rules of GET /api/v1/rules still acting (shadow, canary, enforced or relaxing).
size_t liveRules(const nlohmann::json& rules) {
  size_t n = 0;
  for (const auto& r : rules["rules"]) {
    std::string stage = r.value("stage", "");
    n += stage == "shadow" || stage == "canary" || stage == "enforced" || stage == "relaxing";
  }
  return n;
}

// A request refused by a rule carries its id (X-Request-Id), and why?request_id= names the rule;
// a proxied request's id (the one the origin received) is found too. Both through the CLI as well.
TEST(GovernorWhyTest, ARefusedRequestsIdLeadsWhyToTheRule) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  uint16_t admin = 0;
  auto gw = startWithAdmin(origin.port, 2,
                           "governor:\n"
                           "  rules: [{ name: drill, path_prefix: /private, action: block,\n"
                           "            pinned: true, reason: fire drill }]\n",
                           &admin);
  ASSERT_TRUE(gw.ok());
  ASSERT_NE(admin, 0);

  HttpClient client(gw.port);
  std::optional<Response> refused;
  // The pinned rule reaches the workers with the defense loop's first tick.
  ASSERT_TRUE(pollUntil(
      [&] {
        refused = client.get("/private/report");
        return refused && refused->status == 403;
      },
      seconds(5), milliseconds(50)));
  std::string id = refused->header("X-Request-Id");
  ASSERT_EQ(id.size(), 20u) << id;
  // The refusal keeps the connection: a flood tool told to go away would reconnect at once.
  EXPECT_NE(refused->header("Connection"), "close");
  const uint16_t refused_on = client.localPort();
  ASSERT_TRUE(client.connected());

  int status = 0;
  auto why = getJson(admin, "/api/v1/why?request_id=" + id, &status);
  ASSERT_EQ(status, 200) << why.dump();
  EXPECT_EQ(why["request_id"], id);
  EXPECT_EQ(why["verdict"], "rejected");
  EXPECT_EQ(why["reason"], "mitigation_rule");
  EXPECT_EQ(why["status"], 403);
  EXPECT_EQ(why["client"], "127.0.0.1");
  ASSERT_TRUE(why.contains("rule")) << why.dump();
  EXPECT_EQ(why["rule"]["enforced_share"], 1.0);
  EXPECT_EQ(why["rule"]["now"]["stage"], "enforced");
  EXPECT_EQ(why["rule"]["now"]["match"]["path_prefix"], "/private") << why.dump();
  const nlohmann::json rule_id = why["rule"]["id"];

  auto echoed = client.get("/__origin/echo");
  ASSERT_TRUE(echoed && echoed->status == 200);
  EXPECT_EQ(client.localPort(), refused_on) << "the refused request's connection was closed";
  std::string sent_up = echoHeader(echoed->body, "X-Request-Id");
  ASSERT_FALSE(sent_up.empty()) << echoed->body;
  why = getJson(admin, "/api/v1/why?request_id=" + sent_up, &status);
  ASSERT_EQ(status, 200) << why.dump();
  EXPECT_EQ(why["verdict"], "proxied");
  EXPECT_EQ(why["status"], 200);
  EXPECT_FALSE(why.contains("rule"));

  auto cli = runFloodgate(
      {"ctl", "--admin", "127.0.0.1:" + std::to_string(admin), "why", "--request-id", id});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto cli_why = parseJson(cli.out);
  EXPECT_EQ(cli_why["verdict"], "rejected");
  EXPECT_EQ(cli_why["rule"]["id"], rule_id);
  auto unknown = runFloodgate({"ctl", "--admin", "127.0.0.1:" + std::to_string(admin), "why",
                               "--request-id", "nosuchrequest"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("no recent request"), std::string::npos) << unknown.out;
  auto neither = runFloodgate({"ctl", "--admin", "127.0.0.1:" + std::to_string(admin), "why"});
  EXPECT_EQ(neither.exit_code, 2);

  // The rule on /metrics, by state.
  EXPECT_EQ(metric(admin, "floodgate_rules{state=\"enforced\"}"), 1.0);
  EXPECT_EQ(metric(admin, "floodgate_governor_transitions_total{to=\"enforced\"}"), 1.0);
}

// An attack ends: the detector's rule relaxes after `hold` (2 s here) and expires after its one
// relax step (1 s), so by the end of the calm after the attack no rule is left acting; legitimate
// users are back in their calm band within 5 s of the attack's end.
TEST(GovernorAttackEndTest, NoRuleIsLeftEnforcedAfterItsHold) {
  auto origin = startOrigin({"--capacity", "3000", "--latency", "5"});
  ASSERT_TRUE(origin.ok());
  uint16_t admin = 0;
  auto gw = startWithAdmin(origin.port, 1,
                           "governor:\n  hold: 2s\n  relax_steps: 1\n  relax_step: 1s\n", &admin);
  ASSERT_TRUE(gw.ok());
  ASSERT_NE(admin, 0);
  auto storm = StormRun::start(
      oneThreadStormHead("attack-end", gw.port, origin.port) +
      "phases:\n"
      "  - { name: calm, duration: 6s }\n"
      "  - { name: attack, duration: 6s, attack: true }\n"
      "  - { name: after, duration: 10s }\n"
      "clients:\n"
      "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 200, rate: 400 }\n"
      "  - { name: flood, kind: keepalive_flood, sources: 127.66.0.0/24, count: 4,\n"
      "      connections: 32, rate: 4000 }\n");
  ASSERT_TRUE(storm.process);
  auto report = storm.finish(seconds(60));
  ASSERT_TRUE(report.is_object()) << storm.process->stdoutText() << storm.process->stderrText();

  auto rules = getJson(admin, "/api/v1/rules");
  ASSERT_TRUE(rules.is_object());
  EXPECT_EQ(liveRules(rules), 0u) << rules.dump(1);
  // There was a rule, it was enforced, and it ended by relaxing out, not by a rollback.
  ASSERT_FALSE(rules["finished"].empty()) << rules.dump(1);
  bool relaxed_out = false;
  for (const auto& f : rules["finished"]) {
    std::vector<std::string> stages;
    for (const auto& h : f["history"]) stages.push_back(h["stage"]);
    bool enforced = std::find(stages.begin(), stages.end(), "enforced") != stages.end();
    bool relaxing = std::find(stages.begin(), stages.end(), "relaxing") != stages.end();
    relaxed_out = relaxed_out || (enforced && relaxing && f["stage"] == "expired");
  }
  EXPECT_TRUE(relaxed_out) << rules.dump(1);
  EXPECT_EQ(metric(admin, "floodgate_rules{state=\"enforced\"}"), 0.0);
  EXPECT_GE(metric(admin, "floodgate_governor_transitions_total{to=\"expired\"}").value_or(0), 1.0);

  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_recover_s"].is_null()) << derived.dump();
  EXPECT_LE(derived["time_to_recover_s"].get<double>(), 5.0) << derived.dump();
  EXPECT_GE(legitSuccess(report, 12, 22), 0.99);
}

// The origin slowed tenfold: 2 ms → 20 ms with 16 requests in service at once, so 1,000
// requests/s no longer fit. floodgate tries each request upstream at most once more than rarely
// (amplification ≤ 1.1 every second it is sampled), and once the origin is fast again the users
// are back in their band within 5 s, by themselves (no metastable state).
TEST(OriginSlowdownTest, AmplificationStaysBoundedAndServiceRecoversByItself) {
  auto origin = startOrigin({"--latency", "2", "--concurrency", "16"});
  ASSERT_TRUE(origin.ok());
  auto gw = startQuickGateway({origin.port}, {"--admin", "127.0.0.1:0"});
  ASSERT_TRUE(gw.ok());
  uint16_t admin = adminPortOf(gw);
  ASSERT_NE(admin, 0);
  auto setLatency = [&](int ms) {
    HttpClient c(origin.port);
    auto r = c.request("POST", "/__origin/latency/" + std::to_string(ms));
    return r && r->status == 200;
  };
  const auto started = Clock::now();
  auto storm = StormRun::start(
      oneThreadStormHead("origin-slowdown", gw.port, origin.port) +
      "phases:\n"
      "  - { name: calm, duration: 5s }\n"
      "  - { name: slow, duration: 8s, attack: true }\n"
      "  - { name: after, duration: 8s }\n"
      "clients:\n"
      "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 500, rate: 1000 }\n");
  ASSERT_TRUE(storm.process);
  // The origin's timeline, and the amplification factor sampled four times a second meanwhile.
  double worst = 0;
  int samples = 0;
  bool slowed = false, restored = false;
  while (Clock::now() - started < seconds(21)) {
    auto at = Clock::now() - started;
    if (!slowed && at >= seconds(5)) slowed = setLatency(20);
    if (!restored && at >= seconds(13)) restored = setLatency(2);
    if (auto a = metric(admin, "floodgate_amplification_factor{cluster=\"upstream\"}")) {
      worst = std::max(worst, *a);
      ++samples;
    }
    std::this_thread::sleep_for(milliseconds(250));  // the sampling period, not a wait
  }
  auto report = storm.finish(seconds(30));
  ASSERT_TRUE(slowed && restored);
  ASSERT_TRUE(report.is_object()) << storm.process->stdoutText() << storm.process->stderrText();
  std::printf(
      "origin slowdown: worst amplification %.3f over %d samples; success calm %.4f, "
      "slow %.4f, after %.4f\n",
      worst, samples, legitSuccess(report, 0, 5), legitSuccess(report, 5, 13),
      legitSuccess(report, 13, 21));
  std::string per_second;  // success and p99 of each second, for the record
  for (const auto& s : report["series"]) {
    const auto& l = s["legit"];
    char cell[64];
    std::snprintf(cell, sizeof(cell), " %.0f%%/%.0fms",
                  l["success"].is_number() ? 100 * l["success"].get<double>() : -1.0,
                  l["p99_ms"].is_number() ? l["p99_ms"].get<double>() : -1.0);
    per_second += cell;
  }
  std::printf("per second (success/p99):%s\n", per_second.c_str());
  EXPECT_GT(samples, 40);
  EXPECT_GT(worst, 0.5);  // it was measured: requests flowed
  EXPECT_LE(worst, 1.1);
  double attempts =
      metric(admin, "floodgate_upstream_attempts_total{cluster=\"upstream\"}").value_or(0);
  double requests =
      metric(admin, "floodgate_downstream_requests_total{cluster=\"upstream\"}").value_or(0);
  ASSERT_GT(requests, 0);
  EXPECT_LE(attempts / requests, 1.1);
  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_recover_s"].is_null()) << derived.dump();
  EXPECT_LE(derived["time_to_recover_s"].get<double>(), 5.0) << derived.dump();
  EXPECT_GE(legitSuccess(report, 18, 21), 0.99);
}

}  // namespace
}  // namespace floodgate::integration
