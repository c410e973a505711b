// The shield's data-plane defenses, end to end: real gateway and origin processes, clients
// bound to their own 127.x.y.z source addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

using Clock = std::chrono::steady_clock;

// A blocking client socket bound to `source` (an address in 127.0.0.0/8).
class SourceSocket {
 public:
  SourceSocket(const char* source, uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    timeval tv{3, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) == 0;
  }
  ~SourceSocket() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // The response head (up to the blank line), or what arrived before close/reset/timeout.
  std::string readHead() {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // One GET with keep-alive; the status code, or 0 when the connection was refused/reset.
  int get(std::string_view path) {
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: shield.test\r\n\r\n";
    if (!send(req)) return 0;
    std::string head = readHead();
    if (head.size() < 12) return 0;
    // Skip the body: every answer in these tests carries a Content-Length.
    size_t cl = head.find("Content-Length: ");
    size_t end = head.find("\r\n\r\n");
    if (cl != std::string::npos) {
      size_t len = std::stoul(head.substr(cl + 16));
      size_t have = head.size() - end - 4;
      std::vector<char> sink(len > have ? len - have : 0);
      size_t got = 0;
      while (got < sink.size()) {
        ssize_t n = ::recv(fd_, sink.data() + got, sink.size() - got, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
    }
    last_head_ = head.substr(0, end);
    return std::stoi(head.substr(9, 3));
  }
  const std::string& lastHead() const { return last_head_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string last_head_;
};

std::string readFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int getOnce(const char* source, uint16_t port, std::string_view path = "/") {
  SourceSocket s(source, port);
  return s.connected() ? s.get(path) : 0;
}

std::string shieldConfig(uint16_t origin_port, const std::string& shield, int workers = 2) {
  return "listeners: [{ address: 127.0.0.1:0, workers: " + std::to_string(workers) +
         " }]\n"
         "routes:\n"
         "  - { name: api, match: { path_prefix: /api }, cluster: app }\n"
         "  - { name: web, cluster: app }\n"
         "clusters: [{ name: app, endpoints: [127.0.0.1:" +
         std::to_string(origin_port) + "] }]\n" + shield;
}

TEST(ShieldTest, BlocklistedSourceIsRefusedBeforeAByteReachesTheOrigin) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(
      shieldConfig(origin.port, "shield: { blocklist: [127.0.66.0/24, 127.0.70.1] }\n"));
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ(getOnce("127.0.66.9", gw.port), 0);
  EXPECT_EQ(getOnce("127.0.70.1", gw.port), 0);
  EXPECT_EQ(getOnce("127.0.67.9", gw.port), 200);
  EXPECT_EQ(getOnce("127.0.70.2", gw.port), 200);
  auto stats = parseJson(HttpClient(origin.port).get("/__origin/stats")->body);
  EXPECT_FALSE(stats["sources"].contains("127.0.66.9"));
  EXPECT_TRUE(stats["sources"].contains("127.0.67.9"));
}

TEST(ShieldTest, RateLimitPerSourceHoldsAcrossConnectionsAndWorkers) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  // A slow refill: the window of this test sees the burst and (almost) nothing more.
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port,
      "shield:\n  rate_limits: [{ key: source, rate: 1/m, burst: 10, routes: [api] }]\n", 2));
  ASSERT_TRUE(gw.ok());
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 30; ++i) {  // a new connection each time: they spread over both workers
    SourceSocket s("127.0.80.1", gw.port);
    int status = s.get("/api/item");
    if (status == 200) ++ok;
    if (status == 429) {
      ++limited;
      size_t at = s.lastHead().find("Retry-After: ");
      if (at != std::string::npos) retry_after = s.lastHead().substr(at + 13, 2);
    }
  }
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(limited, 20);
  EXPECT_FALSE(retry_after.empty());
  // Another client, and another route, are not touched by this client's limit.
  EXPECT_EQ(getOnce("127.0.80.2", gw.port, "/api/item"), 200);
  EXPECT_EQ(getOnce("127.0.80.1", gw.port, "/web"), 200);
}

TEST(ShieldTest, RateLimitedClientKeepsItsConnection) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port, "shield:\n  rate_limits: [{ key: source, rate: 1/m, burst: 2 }]\n", 1));
  ASSERT_TRUE(gw.ok());
  SourceSocket s("127.0.81.1", gw.port);
  EXPECT_EQ(s.get("/"), 200);
  EXPECT_EQ(s.get("/"), 200);
  EXPECT_EQ(s.get("/"), 429);
  EXPECT_EQ(s.get("/"), 429);  // the same connection still answers: 429 is cheap, not a close
}

TEST(ShieldTest, ConcurrentConnectionCapPerSource) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(
      shieldConfig(origin.port, "shield: { max_connections_per_source: 3 }\n", 1));
  ASSERT_TRUE(gw.ok());
  std::vector<std::unique_ptr<SourceSocket>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<SourceSocket>("127.0.90.1", gw.port));
    ASSERT_EQ(held.back()->get("/"), 200);
  }
  EXPECT_EQ(getOnce("127.0.90.1", gw.port), 0) << "a fourth connection from the source";
  EXPECT_EQ(getOnce("127.0.90.2", gw.port), 200) << "another source is not capped";
  held.pop_back();  // one closes: the source may connect again
  EXPECT_TRUE(pollUntil([&] { return getOnce("127.0.90.1", gw.port) == 200; }, seconds(3)));
}

TEST(ShieldTest, SlowlorisGets408WhileOthersAreServed) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port, "shield: { min_request_rate: 200, min_rate_grace: 1s }\n", 1));
  ASSERT_TRUE(gw.ok());
  SourceSocket slow("127.0.100.1", gw.port);
  std::string head = "GET / HTTP/1.1\r\nHost: shield.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa\r\n";
  auto start = Clock::now();
  bool refused = false;
  for (char c : head) {
    if (!slow.send(std::string_view(&c, 1))) break;
    std::this_thread::sleep_for(milliseconds(100));  // the attack itself is a slow sender
    if (Clock::now() - start > seconds(3)) break;
    EXPECT_EQ(getOnce("127.0.100.2", gw.port), 200);
  }
  std::string answer = slow.readHead();
  refused = answer.rfind("HTTP/1.1 408", 0) == 0;
  EXPECT_TRUE(refused) << answer;
  EXPECT_LT(Clock::now() - start, seconds(4));
}

TEST(ShieldTest, SlowPostGets408) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port, "shield: { min_request_rate: 500, min_rate_grace: 1s }\n", 1));
  ASSERT_TRUE(gw.ok());
  SourceSocket slow("127.0.101.1", gw.port);
  ASSERT_TRUE(slow.send("POST /__origin/upload HTTP/1.1\r\nHost: shield.test\r\n"
                        "Content-Length: 100000\r\n\r\n"));
  auto start = Clock::now();
  while (Clock::now() - start < seconds(3)) {
    if (!slow.send("x")) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::string answer = slow.readHead();
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
}

TEST(ShieldTest, ReloadAddsABlocklistEntry) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(origin.port, ""));
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ(getOnce("127.0.110.1", gw.port), 200);
  replaceFile(gw.config_path, shieldConfig(origin.port, "shield: { blocklist: [127.0.110.1] }\n"));
  ASSERT_TRUE(gw.process->signal(SIGHUP));
  EXPECT_TRUE(pollUntil([&] { return getOnce("127.0.110.1", gw.port) == 0; }, seconds(5)));
  EXPECT_EQ(getOnce("127.0.110.2", gw.port), 200);
}

// One request from each of 50 users (127.0.120.1-50); how many were served.
int usersServed(uint16_t port) {
  int ok = 0;
  for (int u = 1; u <= 50; ++u) {
    std::string source = "127.0.120." + std::to_string(u);
    ok += getOnce(source.c_str(), port) == 200 ? 1 : 0;
  }
  return ok;
}

// A rule that matches every client, as a fat finger would write it.
std::string harmfulRule(uint16_t origin_port) {
  return shieldConfig(origin_port,
                      "governor:\n"
                      "  rules: [{ name: oops, source: 127.0.0.0/8, action: block,\n"
                      "            reason: a typo in the prefix }]\n");
}

// The governor end to end: a harmful operator rule (it matches every client) arrives by reload
// while 50 users browse. Its gates take it back by themselves, and the users' success is back
// above 99.5% within 10 s; meanwhile only the canary's share of them ever saw a refusal.
TEST(GovernorTest, HarmfulOperatorRuleIsRolledBackAndUsersRecover) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(origin.port, ""));
  ASSERT_TRUE(gw.ok());
  ASSERT_EQ(usersServed(gw.port), 50);
  replaceFile(gw.config_path, harmfulRule(origin.port));
  ASSERT_TRUE(gw.process->signal(SIGHUP));
  const auto injected = Clock::now();
  ASSERT_TRUE(gw.process->waitForLine(std::regex("governor: rule #1 shadow"), seconds(5), true));
  int worst = 50;
  int late_ok = 0, late_sent = 0;
  while (Clock::now() - injected < seconds(12)) {
    const auto at = Clock::now() - injected;
    int ok = usersServed(gw.port);
    worst = std::min(worst, ok);
    if (at >= seconds(10)) {
      late_ok += ok;
      late_sent += 50;
    }
  }
  std::printf("harmful rule: worst round %d/50 users served; 10-12 s after injection %d/%d\n",
              worst, late_ok, late_sent);
  std::string log = gw.process->stderrText();
  EXPECT_NE(log.find("governor: rule #1 rolled_back"), std::string::npos) << log;
  EXPECT_NE(log.find("effect gate: no effect"), std::string::npos) << log;
  EXPECT_GE(worst, 35) << "more than the canary's share was refused";
  ASSERT_GT(late_sent, 0);
  EXPECT_GE(static_cast<double>(late_ok) / late_sent, 0.995);
  EXPECT_EQ(usersServed(gw.port), 50);
}

// The same rule once the users are regulars (known-good after 10 s of successes): the collateral
// gate refuses it in shadow, and not one request is refused.
TEST(GovernorTest, HarmfulRuleAgainstRegularsIsRefusedBeforeItActs) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(origin.port, ""));
  ASSERT_TRUE(gw.ok());
  const auto started = Clock::now();
  while (Clock::now() - started < milliseconds(11500)) ASSERT_EQ(usersServed(gw.port), 50);
  replaceFile(gw.config_path, harmfulRule(origin.port));
  ASSERT_TRUE(gw.process->signal(SIGHUP));
  const auto injected = Clock::now();
  int served = 0, sent = 0;
  while (Clock::now() - injected < seconds(4)) {
    served += usersServed(gw.port);
    sent += 50;
  }
  std::printf("harmful rule against regulars: %d/%d served after injection\n", served, sent);
  EXPECT_EQ(served, sent);
  std::string log = gw.process->stderrText();
  EXPECT_NE(log.find("governor: rule #1 rolled_back"), std::string::npos) << log;
  EXPECT_NE(log.find("collateral gate: refused"), std::string::npos) << log;
}

}  // namespace
}  // namespace floodgate::integration

namespace floodgate::integration {
namespace {

// The detector end to end: the storm lab plays 200 users and a keep-alive flood from four
// addresses against a real gateway; the flood is recognised and its sources blocked, and the
// users never notice.
TEST(ShieldDetectorTest, KeepAliveFloodIsMitigatedWithoutCollateral) {
  auto origin = startOrigin({"--capacity", "3000", "--latency", "5"});
  ASSERT_TRUE(origin.ok());
  auto gw = startQuickGateway({origin.port});
  ASSERT_TRUE(gw.ok());
  std::string scenario =
      "name: detector-keepalive-flood\n"
      "target: http://127.0.0.1:" + std::to_string(gw.port) + "\n"
      "origin_stats: http://127.0.0.1:" + std::to_string(origin.port) + "/__origin/stats\n"
      "phases:\n"
      "  - { name: calm, duration: 11s }\n"
      "  - { name: attack, duration: 8s, attack: true }\n"
      "  - { name: after, duration: 3s }\n"
      "clients:\n"
      "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 200, rate: 400 }\n"
      "  - { name: flood, kind: keepalive_flood, sources: 127.66.0.0/24, count: 4,\n"
      "      connections: 32, rate: 4000 }\n";
  std::string path = writeTempFile("detector.yaml", scenario);
  std::string dir = path + ".report";
  auto run = runFloodgate({"storm", path, "--report", dir, "--quiet"}, seconds(60));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = parseJson(readFileText(dir + "/report.json"));
  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_mitigate_s"].is_null()) << run.out;
  EXPECT_LE(derived["time_to_mitigate_s"].get<double>(), 3.0) << run.out;
  EXPECT_EQ(derived["collateral_users"].get<int>(), 0) << run.out;
  EXPECT_GE(report["legit"]["success"].get<double>(), 0.99) << run.out;
  EXPECT_LE(derived["attack_admitted_share"].get<double>(), 0.25) << run.out;
  // The gateway says why: each rule with its evidence.
  EXPECT_NE(gw.process->stderrText().find("rule #"), std::string::npos);
  EXPECT_NE(gw.process->stderrText().find("127.66.0."), std::string::npos);
}

}  // namespace
}  // namespace floodgate::integration
