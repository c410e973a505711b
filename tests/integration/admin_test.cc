// The admin API and /metrics end to end: a real gateway with an admin listener in front of a
// real origin, called over HTTP with and without its token.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

constexpr const char* kToken = "s3cret-t0ken";

// A running gateway with its admin listener, and the origin behind it.
struct AdminSetup {
  Server origin;
  Server gateway;
  uint16_t admin_port = 0;
  std::string config_path;

  bool ok() const { return origin.ok() && gateway.ok() && admin_port != 0; }
};

std::string adminYaml(uint16_t origin_port, std::string_view extra_routes = {}) {
  GatewayYaml y;
  y.endpoints = {origin_port};
  y.workers = 2;
  y.routes = std::string(extra_routes);
  y.extra = std::string("admin:\n  listen: 127.0.0.1:0\n  token: ") + kToken + "\n";
  return y.str();
}

AdminSetup startWithAdmin() {
  AdminSetup s;
  s.origin = startOrigin();
  if (!s.origin.ok()) return s;
  s.gateway = startGatewayWithConfig(adminYaml(s.origin.port));
  s.config_path = s.gateway.config_path;
  if (!s.gateway.ok()) return s;
  s.admin_port = adminPortOf(s.gateway);
  return s;
}

std::optional<Response> call(uint16_t admin_port, std::string_view method, std::string_view target,
                             std::string_view body = {}, std::string token = kToken) {
  HttpClient c(admin_port);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return c.request(method, target, headers, body);
}

// The samples of a Prometheus text exposition, "name{labels}" -> value; a test failure for any
// line that is neither a comment nor a sample.
std::map<std::string, double> parseExposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?) (\S+)$)");
  static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, comment)) continue;
    if (!std::regex_match(line, m, sample)) {
      ADD_FAILURE() << "not a sample line: " << line;
      continue;
    }
    samples[m[1]] = std::stod(m[3]);
  }
  return samples;
}

double sumMatching(const std::map<std::string, double>& samples, const std::string& prefix,
                   const std::string& contains = {}) {
  double total = 0;
  for (const auto& [series, value] : samples) {
    if (series.rfind(prefix, 0) == 0 && series.find(contains) != std::string::npos) total += value;
  }
  return total;
}

// One GET from the loopback address `source`; its status, or 0 when the connection was reset
// or closed without an answer.
TEST(AdminApi, MetricsScrapeParsesAndCountsTheRequestsMade) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  HttpClient client(s.gateway.port);
  for (int i = 0; i < 7; ++i) {
    auto r = client.get("/");
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, 200);
  }
  auto missing = client.get("/__nothing_here_but_the_origin_answers");
  ASSERT_TRUE(missing.has_value());

  std::map<std::string, double> samples;
  ASSERT_TRUE(pollUntil(
      [&] {
        auto r = call(s.admin_port, "GET", "/metrics");
        if (!r || r->status != 200) return false;
        EXPECT_EQ(r->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
        samples = parseExposition(r->body);
        return sumMatching(samples, "floodgate_requests_total{") >= 8;
      },
      seconds(5)));
  EXPECT_EQ(sumMatching(samples, "floodgate_requests_total{", "listener=\"main\""), 8);
  EXPECT_EQ(sumMatching(samples, "floodgate_requests_total{", "code=\"2xx\""),
            7 + (missing->status / 100 == 2 ? 1 : 0));
  EXPECT_EQ(sumMatching(samples, "floodgate_request_duration_seconds_count{"), 8);
  EXPECT_EQ(samples["floodgate_downstream_requests_total{cluster=\"origin\"}"], 8);
  EXPECT_EQ(samples["floodgate_upstream_attempts_total{cluster=\"origin\"}"], 8);
  EXPECT_EQ(samples["floodgate_upstream_request_duration_seconds_count{cluster=\"origin\"}"], 8);
  EXPECT_EQ(
      samples["floodgate_upstream_request_duration_seconds_bucket{cluster=\"origin\",le=\"+Inf\"}"],
      8);
  EXPECT_GE(samples["floodgate_connections_active"], 1);  // `client` is still open
  EXPECT_GT(samples["process_resident_memory_bytes"], 1e6);
  EXPECT_TRUE(
      samples.count("floodgate_rejections_total{stage=\"connection\",reason=\"blocklisted\"}"));
  EXPECT_TRUE(samples.count("floodgate_rules_active{action=\"block\"}"));
  EXPECT_TRUE(samples.count("floodgate_control_tick_seconds"));

  // Within a couple of seconds the amplification gauge and the history have a reading.
  EXPECT_TRUE(pollUntil(
      [&] {
        auto r = call(s.admin_port, "GET", "/metrics");
        return r &&
               parseExposition(r->body)["floodgate_amplification_factor{cluster=\"origin\"}"] == 1;
      },
      seconds(5), milliseconds(200)));
  EXPECT_TRUE(pollUntil(
      [&] {
        auto r =
            call(s.admin_port, "GET", "/api/v1/history?series=requests,success&resolution=second");
        if (!r || r->status != 200) return false;
        auto j = parseJson(r->body);
        double total = 0;
        for (const auto& p : j["series"]["requests"]) total += p[1].get<double>();
        return j["series"]["success"].size() > 0 && total >= 8;
      },
      seconds(6), milliseconds(200)));
  auto bad = call(s.admin_port, "GET", "/api/v1/history?series=nope");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
}

TEST(AdminApi, EveryCallNeedsTheToken) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  for (const char* path : {"/metrics", "/api/v1/shield", "/api/v1/blocklist", "/nowhere"}) {
    auto none = call(s.admin_port, "GET", path, {}, "");
    ASSERT_TRUE(none.has_value()) << path;
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_TRUE(parseJson(none->body).contains("error")) << path;
    auto wrong = call(s.admin_port, "GET", path, {}, "s3cret-t0kem");
    ASSERT_TRUE(wrong.has_value()) << path;
    EXPECT_EQ(wrong->status, 401) << path;
  }
  auto post = call(s.admin_port, "POST", "/api/v1/blocklist", R"({"prefix": "127.0.0.9"})", "x");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 401);
  auto list = call(s.admin_port, "GET", "/api/v1/blocklist");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->status, 200);
  EXPECT_TRUE(parseJson(list->body)["entries"].empty());
  auto config = call(s.admin_port, "GET", "/api/v1/config");
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->status, 200);
  EXPECT_EQ(config->body.find(kToken), std::string::npos);  // never shown
  EXPECT_EQ(parseJson(config->body)["clusters"][0]["name"], "origin");
}

TEST(AdminApi, BadBlocklistInputIsRefusedAndChangesNothing) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  const char* bad[] = {
      R"({"prefix": "127.0.0.9")",                  // not JSON
      R"(["127.0.0.9"])",                           // not an object
      R"({"prefix": "127.0.0.9", "tll": "1m"})",    // unknown field
      R"({"prefix": "127.0.0.300"})",               // not an address
      R"({"prefix": "10.0.0.1/8"})",                // bits past the length
      R"({"prefix": 5})",                           // wrong type
      R"({"reason": "no prefix"})",                 // missing prefix
      R"({"prefix": "127.0.0.9", "ttl": "soon"})",  // bad duration
      R"({"prefix": "127.0.0.9", "ttl": -3})",      // negative
  };
  for (const char* body : bad) {
    auto r = call(s.admin_port, "POST", "/api/v1/blocklist", body);
    ASSERT_TRUE(r.has_value()) << body;
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_TRUE(parseJson(r->body).contains("error")) << body;
  }
  auto list = call(s.admin_port, "GET", "/api/v1/blocklist");
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(parseJson(list->body)["entries"].empty()) << list->body;
  EXPECT_EQ(getStatusFrom("127.0.0.9", s.gateway.port), 200);
  auto del = call(s.admin_port, "DELETE", "/api/v1/blocklist?prefix=127.0.0.9");
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 404);
}

TEST(AdminApi, BlockedSourceIsResetAtAcceptUntilUnblocked) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(getStatusFrom("127.0.0.9", s.gateway.port), 200);
  auto added = call(s.admin_port, "POST", "/api/v1/blocklist",
                    R"({"prefix": "127.0.0.9", "reason": "drill", "ttl": "10m"})");
  ASSERT_TRUE(added.has_value());
  ASSERT_EQ(added->status, 201) << added->body;
  auto entry = parseJson(added->body);
  EXPECT_EQ(entry["prefix"], "127.0.0.9/32");
  EXPECT_EQ(entry["reason"], "drill");
  EXPECT_GT(entry["ttl_s"].get<double>(), 590);

  EXPECT_TRUE(
      pollUntil([&] { return getStatusFrom("127.0.0.9", s.gateway.port) == 0; }, seconds(3)));
  EXPECT_EQ(getStatusFrom("127.0.0.10", s.gateway.port), 200);  // its neighbour is served
  auto list = call(s.admin_port, "GET", "/api/v1/blocklist");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(parseJson(list->body)["entries"].size(), 1u);
  auto events = call(s.admin_port, "GET", "/api/v1/events?kind=blocklist");
  ASSERT_TRUE(events.has_value());
  auto ev = parseJson(events->body)["events"];
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["kind"], "blocklist.added");
  EXPECT_EQ(ev[0]["subject"], "127.0.0.9");

  // Refused at accept, or dropped at the SYN when the kernel filter could load (root): counted
  // either way, the kernel's on the defense tick.
  EXPECT_TRUE(pollUntil(
      [&] {
        auto shield = call(s.admin_port, "GET", "/api/v1/shield");
        if (!shield) return false;
        auto j = parseJson(shield->body);
        int dropped = 0;
        if (j.contains("kernel_drop") && j["kernel_drop"].contains("drops")) {
          dropped = j["kernel_drop"]["drops"]["blocklist"].get<int>();
        }
        return j["rejections"]["connection"]["blocklisted"].get<int>() + dropped >= 1;
      },
      seconds(3)));

  auto removed = call(s.admin_port, "DELETE", "/api/v1/blocklist?prefix=127.0.0.9%2F32");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->status, 200) << removed->body;
  EXPECT_TRUE(
      pollUntil([&] { return getStatusFrom("127.0.0.9", s.gateway.port) == 200; }, seconds(3)));
}

TEST(AdminApi, ReloadWithABrokenConfigAnswersTheProblemAndKeepsServing) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  std::string good = adminYaml(s.origin.port);
  std::string broken = good;
  size_t at = broken.find("127.0.0.1:" + std::to_string(s.origin.port));
  ASSERT_NE(at, std::string::npos);
  broken.replace(at, 10 + std::to_string(s.origin.port).size(), "127.0.0.1");  // no port
  replaceFile(s.config_path, broken);

  auto r = call(s.admin_port, "POST", "/api/v1/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  auto j = parseJson(r->body);
  ASSERT_FALSE(j["problems"].empty()) << r->body;
  std::string problem = j["problems"][0];
  EXPECT_TRUE(
      std::regex_search(problem, std::regex(R"(floodgate\.yaml:[0-9]+:[0-9]+: .*needs a port)")))
      << problem;
  HttpClient client(s.gateway.port);
  auto served = client.get("/");
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->status, 200);

  // The same file, fixed, with a new direct route: the reload takes, and the route answers.
  replaceFile(s.config_path, adminYaml(s.origin.port,
                                       "  - name: hello\n    match: { path_prefix: /hello }\n"
                                       "    direct_response: { status: 200, body: \"hi\" }\n"));
  r = call(s.admin_port, "POST", "/api/v1/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(pollUntil(
      [&] {
        auto h = client.get("/hello");
        return h && h->body == "hi";
      },
      seconds(3)));
  auto events = call(s.admin_port, "GET", "/api/v1/events?kind=config");
  ASSERT_TRUE(events.has_value());
  auto ev = parseJson(events->body)["events"];
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["kind"], "config.reload_refused");
  EXPECT_EQ(ev[1]["kind"], "config.reloaded");
  auto body = call(s.admin_port, "POST", "/api/v1/reload", R"({"x": 1})");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->status, 400);
}

TEST(AdminApi, NonLoopbackAdminWithoutATokenIsRefusedAtStartup) {
  std::string path = writeTempFile("floodgate.yaml",
                                   "listeners: [{ address: 127.0.0.1:0 }]\n"
                                   "clusters: [{ name: c, endpoints: [127.0.0.1:9] }]\n"
                                   "admin:\n  listen: 0.0.0.0:0\n");
  CommandResult r = runFloodgate({"run", "-c", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(floodgate\.yaml:4:11: admin\.listen "0\.0\.0\.0:0": .*needs a token)")))
      << r.err;
  EXPECT_EQ(r.out.find("listening"), std::string::npos);
}

TEST(AdminApi, CtlCallsTheApi) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  std::string admin = "127.0.0.1:" + std::to_string(s.admin_port);
  CommandResult ok = runFloodgate({"ctl", "--admin", admin, "--token", kToken, "POST",
                                   "/api/v1/blocklist", R"({"prefix": "127.0.0.77"})"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(parseJson(ok.out)["prefix"], "127.0.0.77/32");
  CommandResult list =
      runFloodgate({"ctl", "--admin", admin, "--token", kToken, "get", "/api/v1/blocklist"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(parseJson(list.out)["entries"].size(), 1u);
  CommandResult refused = runFloodgate({"ctl", "--admin", admin, "GET", "/api/v1/shield"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("401"), std::string::npos);
}

TEST(AdminApi, DrainThroughTheApiFinishesAndExits) {
  AdminSetup s = startWithAdmin();
  ASSERT_TRUE(s.ok());
  auto bad = call(s.admin_port, "POST", "/api/v1/drain", R"({"now": true})");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(s.gateway.process->running());
  auto r = call(s.admin_port, "POST", "/api/v1/drain");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(s.gateway.process->waitExit(seconds(10)), 0);
  std::string output = s.gateway.process->stdoutText() + s.gateway.process->stderrText();
  EXPECT_NE(output.find("drained, exiting"), std::string::npos) << output;
}

TEST(AdminApi, QuickStartAdminTakesItsTokenFromTheEnvironment) {
  Server origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  ::setenv("FLOODGATE_ADMIN_TOKEN", "from-env", 1);
  Server gateway = startQuickGateway({origin.port}, {"--admin", "127.0.0.1:0"});
  ::unsetenv("FLOODGATE_ADMIN_TOKEN");
  ASSERT_TRUE(gateway.ok());
  const uint16_t admin_port = adminPortOf(gateway);
  ASSERT_NE(admin_port, 0);
  auto refused = call(admin_port, "GET", "/api/v1/config");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  auto ok = call(admin_port, "GET", "/api/v1/config", {}, "from-env");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(parseJson(ok->body)["source"], "<quick start>");
}

}  // namespace
}  // namespace floodgate::integration
