// Upstream health as operators and users see it (issues 6 and 7): a killed primary in the admin
// API's event log, on /metrics and as a status page incident naming the alternate path, and an
// operator draining one endpoint and taking it back, over the admin API and with `floodgate ctl`.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

// A gateway with an admin listener (loopback, no token) and the port it announced.
struct Gateway {
  Server server;
  uint16_t admin_port = 0;
  bool ok() const { return server.ok() && admin_port != 0; }
  std::string admin() const { return "127.0.0.1:" + std::to_string(admin_port); }
};

Gateway startWithAdmin(const std::string& yaml) {
  Gateway g;
  g.server = startGatewayWithConfig(yaml + "admin: { listen: 127.0.0.1:0 }\n");
  if (!g.server.ok()) return g;
  g.admin_port = adminPortOf(g.server);
  return g;
}

std::optional<Response> call(uint16_t admin_port, std::string_view method,
                             std::string_view target, std::string_view body = {}) {
  HttpClient c(admin_port);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return c.request(method, target, headers, body);
}

nlohmann::json getJson(uint16_t admin_port, std::string_view target) {
  auto r = call(admin_port, "GET", target);
  if (!r || r->status != 200) return nlohmann::json();
  return parseJson(r->body);
}

// The value of one series (`name{labels}` exactly as exposed) on /metrics; -1 when absent.
double metric(uint16_t admin_port, const std::string& series) {
  auto r = call(admin_port, "GET", "/metrics");
  if (!r || r->status != 200) return -1;
  size_t at = r->body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r->body.substr(at + series.size() + 2));
}

// The first event of `kind` about `subject` in the admin API's event log; null if none.
nlohmann::json findEvent(uint16_t admin_port, const std::string& kind,
                         const std::string& subject) {
  auto j = getJson(admin_port, "/api/v1/events?kind=upstream");
  if (!j.contains("events")) return nlohmann::json();
  for (const auto& e : j["events"]) {
    if (e["kind"] == kind && e["subject"] == subject) return e;
  }
  return nlohmann::json();
}

// Light keep-alive load on a thread of its own, bounded in time: counts answers by status.
class LightLoad {
 public:
  explicit LightLoad(uint16_t port) {
    thread_ = std::thread([this, port] {
      HttpClient c(port, milliseconds(3000));
      auto end = Clock::now() + seconds(30);
      while (!stop_.load() && Clock::now() < end) {
        auto r = c.get("/");
        (r && r->status == 200 ? ok_ : failed_).fetch_add(1);
        if (!r || r->closes) c.close();
        std::this_thread::sleep_for(milliseconds(10));  // pacing, not waiting for a condition
      }
    });
  }
  ~LightLoad() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int ok() const { return ok_.load(); }
  int failed() const { return failed_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::thread thread_;
};

TEST(UpstreamExposeTest, KilledPrimaryShowsInTheEventLogAndOnMetrics) {
  auto primary = startOrigin({"--name", "primary"});
  auto alternate = startOrigin({"--name", "alternate"});
  ASSERT_TRUE(primary.ok() && alternate.ok());
  std::string p = "127.0.0.1:" + std::to_string(primary.port);
  auto gateway = startWithAdmin(twoLevelConfig(primary.port, alternate.port));
  ASSERT_TRUE(gateway.ok());
  std::string healthy = "floodgate_upstream_endpoint_healthy{cluster=\"web\",endpoint=\"" + p +
                        "\",level=\"0\"}";
  std::string failovers = "floodgate_upstream_failovers_total{cluster=\"web\"}";
  ASSERT_TRUE(pollUntil([&] { return metric(gateway.admin_port, healthy) == 1; }, seconds(5)));
  EXPECT_EQ(metric(gateway.admin_port, failovers), 0);

  LightLoad load(gateway.server.port);
  ASSERT_TRUE(pollUntil([&] { return load.ok() >= 20; }, seconds(5)));
  ASSERT_TRUE(primary.process->signal(SIGKILL));
  primary.process->waitExit(seconds(5));

  // Whichever finds it first — health checks or outlier detection — the primary's loss is an
  // event with its evidence, and so is the failover of its level.
  nlohmann::json down;
  ASSERT_TRUE(pollUntil([&] {
    down = findEvent(gateway.admin_port, "upstream.endpoint_unhealthy", "web/" + p);
    if (down.is_null()) down = findEvent(gateway.admin_port, "upstream.endpoint_ejected", "web/" + p);
    return !down.is_null();
  }, seconds(5)));
  EXPECT_FALSE(down["message"].get<std::string>().empty());
  EXPECT_FALSE(down["evidence"].empty()) << down.dump();
  nlohmann::json failover;
  ASSERT_TRUE(pollUntil([&] {
    failover = findEvent(gateway.admin_port, "upstream.level_failover", "web/level-0");
    return !failover.is_null();
  }, seconds(5)));
  EXPECT_EQ(failover["evidence"]["level"], 0) << failover.dump();
  EXPECT_EQ(failover["evidence"]["next_level_serving"], 1) << failover.dump();
  EXPECT_NE(failover["message"].get<std::string>().find("next levels"), std::string::npos);

  // /metrics follows within a refresh (once a second).
  ASSERT_TRUE(pollUntil([&] { return metric(gateway.admin_port, failovers) > 0; }, seconds(5)))
      << metric(gateway.admin_port, failovers);
  EXPECT_EQ(metric(gateway.admin_port, healthy), 0);
  EXPECT_EQ(metric(gateway.admin_port,
                   "floodgate_upstream_level_healthy_endpoints{cluster=\"web\",level=\"0\"}"),
            0);
  EXPECT_EQ(metric(gateway.admin_port,
                   "floodgate_upstream_level_healthy_endpoints{cluster=\"web\",level=\"1\"}"),
            1);
  load.stop();
  EXPECT_GT(load.ok(), 20);
}

// The status page reads the same upstream health: a failover is "degraded performance", not an
// outage, and its automatic incident says in plain words that traffic moved to the alternate.
TEST(UpstreamExposeTest, FailoverOpensAnIncidentNamingTheAlternatePath) {
  auto primary = startOrigin({"--name", "primary"});
  auto alternate = startOrigin({"--name", "alternate"});
  ASSERT_TRUE(primary.ok() && alternate.ok());
  auto gateway = startGatewayWithConfig(
      twoLevelConfig(primary.port, alternate.port) +
      "status:\n"
      "  listen: 127.0.0.1:0\n"
      "  database: " + writeTempFile("status-db", "") + ".db\n"
      "  worse_after: 1s\n"
      "  components: [{ name: API, clusters: [web] }]\n");
  ASSERT_TRUE(gateway.ok());
  auto m = gateway.process->waitForLine(std::regex(R"(status page on http://127\.0\.0\.1:(\d+))"),
                                        seconds(5));
  ASSERT_TRUE(m);
  uint16_t status_port = static_cast<uint16_t>(std::stoi((*m)[1]));
  auto component = [&] {
    auto j = getJson(status_port, "/api/v2/components.json");
    return j.contains("components") ? j["components"][0]["status"].get<std::string>() : "";
  };
  ASSERT_TRUE(pollUntil([&] { return component() == "operational"; }, seconds(5)));

  LightLoad load(gateway.port);
  ASSERT_TRUE(pollUntil([&] { return load.ok() >= 20; }, seconds(5)));
  ASSERT_TRUE(primary.process->signal(SIGKILL));
  primary.process->waitExit(seconds(5));
  std::string body;
  ASSERT_TRUE(pollUntil([&] {
    auto j = getJson(status_port, "/api/v2/incidents/unresolved.json");
    if (!j.contains("incidents") || j["incidents"].empty()) return false;
    body = j["incidents"][0]["incident_updates"][0]["body"];
    return true;
  }, seconds(5)));
  EXPECT_NE(body.find("Traffic moved to the alternate path at "), std::string::npos) << body;
  EXPECT_NE(body.find("API runs on its alternate path"), std::string::npos) << body;
  // Served by the alternate: degraded (a burst of errors in the switch may have made it a partial
  // outage for a while), never a major outage.
  std::string now = component();
  EXPECT_TRUE(now == "degraded_performance" || now == "partial_outage") << now;
  load.stop();
  EXPECT_LE(load.failed(), load.ok() / 100) << load.failed() << " failed, " << load.ok() << " ok";
}

TEST(UpstreamExposeTest, DrainedEndpointGetsNoNewRequestsUntilTakenBack) {
  auto a = startOrigin({"--name", "a"});
  auto b = startOrigin({"--name", "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  std::string a_address = "127.0.0.1:" + std::to_string(a.port);
  auto gateway = startWithAdmin(
      "listeners: [{ address: 127.0.0.1:0, workers: 2 }]\n"
      "shield: { enabled: false }\n"
      "clusters:\n"
      "  - name: web\n"
      "    endpoints: [" + a_address + ", 127.0.0.1:" + std::to_string(b.port) + "]\n");
  ASSERT_TRUE(gateway.ok());
  HttpClient client(gateway.server.port);
  // Sequential requests through the gateway; how many each origin answered (all must be 200).
  auto send = [&](int n) {
    std::map<std::string, int> by_origin;
    for (int i = 0; i < n; ++i) {
      auto r = client.get("/");
      if (!r || r->status != 200) {
        ADD_FAILURE() << "request " << i << ": " << (r ? r->status : 0) << " " << client.error();
        continue;
      }
      ++by_origin[r->header("X-Origin")];
    }
    return by_origin;
  };
  auto before = send(40);
  EXPECT_GT(before["a"], 0);
  EXPECT_GT(before["b"], 0);

  // Bad input is refused with a clear 4xx, and nothing is drained.
  struct Bad {
    std::string body;
    int status;
    std::string says;
  };
  for (const auto& bad : std::vector<Bad>{
           {R"({"endpoint":"127.0.0.1:1"})", 404, "no endpoint 127.0.0.1:1"},
           {R"({"endpoint":)", 400, ""},
           {R"({"endpoint":5})", 400, "endpoint is required"},
           {R"({"endpoint":")" + a_address + R"(","drain":"yes"})", 400, "drain must be"},
           {R"({"endpoint":")" + a_address + R"(","ttl":1})", 400, "unknown field"}}) {
    auto r = call(gateway.admin_port, "POST", "/api/v1/upstreams/drain", bad.body);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, bad.status) << bad.body << " -> " << r->body;
    EXPECT_NE(r->body.find(bad.says), std::string::npos) << r->body;
  }
  auto snapshot = getJson(gateway.admin_port, "/api/v1/upstreams");
  ASSERT_EQ(snapshot["clusters"][0]["endpoints"].size(), 2u) << snapshot.dump();
  for (const auto& e : snapshot["clusters"][0]["endpoints"]) EXPECT_EQ(e["draining"], false);
  EXPECT_TRUE(findEvent(gateway.admin_port, "upstream.endpoint_draining", "web/" + a_address)
                  .is_null());

  // Drained with `floodgate ctl`: a's request count stops growing, every request still succeeds.
  auto drained = runFloodgate({"ctl", "--admin", gateway.admin(), "drain-endpoint", a_address});
  ASSERT_EQ(drained.exit_code, 0) << drained.out << drained.err;
  EXPECT_NE(drained.out.find("\"draining\":true"), std::string::npos) << drained.out;
  auto listed = runFloodgate({"ctl", "--admin", gateway.admin(), "upstreams"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto j = parseJson(listed.out);
  EXPECT_EQ(j["clusters"][0]["endpoints"][0]["draining"], true) << listed.out;
  EXPECT_FALSE(findEvent(gateway.admin_port, "upstream.endpoint_draining", "web/" + a_address)
                   .is_null());
  send(10);  // the workers have swapped in the new view by now
  int64_t a_drained = originRequestCount(a.port);
  auto during = send(100);
  EXPECT_EQ(during["a"], 0);
  EXPECT_EQ(during["b"], 100);
  EXPECT_EQ(originRequestCount(a.port), a_drained);

  // Taken back: it gets traffic again.
  auto undrained = runFloodgate({"ctl", "--admin", gateway.admin(), "undrain-endpoint", a_address});
  ASSERT_EQ(undrained.exit_code, 0) << undrained.out << undrained.err;
  send(10);
  auto after = send(100);
  EXPECT_GT(after["a"], 10);
  EXPECT_GT(originRequestCount(a.port), a_drained);
}

}  // namespace
}  // namespace floodgate::integration
