// The shield's data-plane defenses, end to end: real gateway and origin processes, clients
// bound to their own 127.x.y.z source addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
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
  SourceSocket(const char* source, uint16_t port) : fd_(connectFromSource(source, port)) {
    connected_ = fd_ >= 0;
  }
  ~SourceSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
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

int getOnce(const char* source, uint16_t port, std::string_view path = "/") {
  SourceSocket s(source, port);
  return s.connected() ? s.get(path) : 0;
}

// The slow-POST attack: a POST head announcing `content_length` bytes, then one body byte every
// 50 ms for up to 3 s (or until the gateway stops reading). The answer head it got.
std::string slowPost(const char* source, uint16_t port, size_t content_length) {
  SourceSocket slow(source, port);
  if (!slow.send("POST /__origin/upload HTTP/1.1\r\nHost: shield.test\r\nContent-Length: " +
                 std::to_string(content_length) + "\r\n\r\n")) {
    return "";
  }
  auto start = Clock::now();
  while (Clock::now() - start < seconds(3)) {
    if (!slow.send("x")) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return slow.readHead();
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

// A one-worker gateway in front of `origin_port` with `config` and an admin API, whose port it
// sets in *admin (0 when it did not say).
Server startWithAdmin(uint16_t origin_port, const std::string& config, uint16_t* admin) {
  Server gw = startGatewayWithConfig(
      shieldConfig(origin_port, config + "admin: { listen: 127.0.0.1:0 }\n", 1));
  *admin = gw.ok() ? adminPortOf(gw) : 0;
  return gw;
}

// The tarpit seen from outside: the next request on the held connection `s` waits unread (no
// answer in 500 ms) while `other`'s connection is answered at once; then it is read and answered
// `then`, and the admin API on `admin_port` has counted `holds` holds in all.
void expectHeldWhileOthersServed(SourceSocket& s, const char* other, uint16_t gw_port,
                                 uint16_t admin_port, std::string_view then, int holds) {
  ASSERT_TRUE(s.send("GET / HTTP/1.1\r\nHost: shield.test\r\n\r\n"));
  pollfd p{s.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 500), 0) << "answered while tarpitted";
  EXPECT_EQ(getOnce(other, gw_port), 200);
  std::string head = s.readHead();
  ASSERT_GE(head.size(), 12u) << head;
  EXPECT_EQ(head.substr(9, 3), then) << head;
  HttpClient api(admin_port);
  auto metrics = api.get("/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("\nfloodgate_tarpit_holds_total " + std::to_string(holds) + "\n"),
            std::string::npos)
      << metrics->body;
}

// shield.tarpit_after: a connection that keeps drawing 429s is not read again before its
// Retry-After; then it is served as usual. Other connections are not held.
TEST(ShieldTest, TarpitHoldsAConnectionThatKeepsDrawing429sUntilItsRetryAfter) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  uint16_t admin = 0;
  auto gw = startWithAdmin(origin.port,
                           "shield:\n  detect: false\n  tarpit_after: 3\n"
                           "  rate_limits: [{ key: source, rate: 0.5/s, burst: 1 }]\n",
                           &admin);
  ASSERT_TRUE(gw.ok() && admin != 0);
  SourceSocket s("127.0.82.1", gw.port);
  EXPECT_EQ(s.get("/"), 200);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.get("/"), 429) << i;
    EXPECT_NE(s.lastHead().find("Retry-After: "), std::string::npos) << s.lastHead();
  }
  // The fourth request waits unread before the Retry-After (2 s), while another source is
  // served; then it is read and, the bucket having refilled meanwhile, served. One hold.
  expectHeldWhileOthersServed(s, "127.0.82.2", gw.port, admin, "200", 1);
}

// A client that comes back without the challenge's cookie, tarpit_after (8, the default) times in
// a row on one keep-alive connection, is no browser: it is held like one drawing 429s, a second
// at a time, while other sources are served. Nothing of it reaches the origin.
TEST(ShieldTest, TarpitHoldsAConnectionThatKeepsIgnoringTheChallenge) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  uint16_t admin = 0;
  auto gw = startWithAdmin(origin.port,
                           "governor:\n"
                           "  rules: [{ name: no-cookies, source: 127.0.84.0/24,\n"
                           "            action: challenge, rate: 1/s, pinned: true }]\n",
                           &admin);
  ASSERT_TRUE(gw.ok() && admin != 0);
  // The pinned rule reaches the worker with the defense loop's first tick.
  ASSERT_TRUE(pollUntil([&] { return getOnce("127.0.84.2", gw.port) == 302; }, seconds(5),
                        milliseconds(50)));
  SourceSocket s("127.0.84.1", gw.port);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(s.get("/"), 302) << i;
    EXPECT_NE(s.lastHead().find("Set-Cookie: "), std::string::npos) << s.lastHead();
  }
  // The ninth request, sent at once and without the cookie, waits unread for a second while
  // another source is served; then it is read and challenged again. Two holds: after the
  // eighth challenge and again after the ninth (the run goes on).
  expectHeldWhileOthersServed(s, "127.0.85.1", gw.port, admin, "302", 2);
  auto stats = parseJson(HttpClient(origin.port).get("/__origin/stats")->body);
  EXPECT_FALSE(stats["sources"].contains("127.0.84.1"));
}

// A client kept busy with 429s (answered without leaving the idle phase) is not idle: the idle
// timeout starts again with each answer instead of cutting the connection mid-stream.
TEST(ShieldTest, KeepAliveClientDrawing429sIsNotCutByTheIdleTimeout) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port,
      "shield:\n  rate_limits: [{ key: source, rate: 1/h, burst: 1 }]\n"
      "  tarpit_after: 0\n"  // answered every time, not held: the idle timeout is under test
      "limits: { client_idle_timeout: 2s }\n",
      1));
  ASSERT_TRUE(gw.ok());
  SourceSocket s("127.0.83.1", gw.port);
  EXPECT_EQ(s.get("/"), 200);
  // 20 requests 200 ms apart: 4 s, twice the idle timeout, never idle for more than 200 ms.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(s.get("/"), 429) << "request " << i << " after " << i * 200 << " ms";
    std::this_thread::sleep_for(milliseconds(200));
  }
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
  std::string answer = slowPost("127.0.101.1", gw.port, 100000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  // A body larger than buffer_body_bytes streams only once its first 64 KiB are in: this one
  // never got that far.
  EXPECT_EQ(originRequestCount(origin.port), 0);
}

// Request buffering: a small body is read whole before the request takes an origin slot or
// connection, so a slow POST ties up nothing at the origin.
TEST(ShieldTest, SlowSmallPostNeverReachesTheOrigin) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port, "shield: { min_request_rate: 500, min_rate_grace: 1s }\n", 1));
  ASSERT_TRUE(gw.ok());
  std::string answer = slowPost("127.0.102.1", gw.port, 50000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_EQ(originRequestCount(origin.port), 0);
  // The same size sent at once is buffered and delivered whole.
  HttpClient client(gw.port);
  std::string body(50000, 'y');
  auto r = client.request("POST", "/__origin/upload", {}, body);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  auto json = parseJson(r->body);
  EXPECT_EQ(json["bytes"].get<uint64_t>(), 50000u);
  EXPECT_EQ(hexValue(json["fnv1a"]), fnv1a(kFnvOffset, body.data(), body.size()));
  EXPECT_EQ(originRequestCount(origin.port), 1);
}

// Origin protection: with one slot toward the cluster, a second request waits its bounded time
// in the queue and is shed with a fast 503 and Retry-After, never reaching the origin; a
// request that waits less gets the slot when it frees.
TEST(OriginProtectionTest, OverTheLimitWaitsThenIsShedWith503AndRetryAfter) {
  auto origin = startOrigin({"--latency", "1500"});
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port,
      "shield:\n  origin_protection: { min_limit: 1, max_limit: 1, queue_timeout: 200ms }\n",
      1));
  ASSERT_TRUE(gw.ok());
  std::thread holder([&] { EXPECT_EQ(getOnce("127.0.120.1", gw.port), 200); });
  ASSERT_TRUE(pollUntil(
      [&] {
        auto stats = HttpClient(origin.port).get("/__origin/stats");
        return stats && parseJson(stats->body)["in_flight"].get<int>() == 1;
      },
      seconds(5)));
  SourceSocket second("127.0.120.2", gw.port);
  EXPECT_EQ(second.get("/"), 503);
  EXPECT_NE(second.lastHead().find("Retry-After: 1"), std::string::npos) << second.lastHead();
  EXPECT_EQ(second.get("/__origin/stats"), 503);  // the connection stays usable
  holder.join();
  EXPECT_EQ(originRequestCount(origin.port), 1);
}

TEST(OriginProtectionTest, AQueuedRequestGetsTheSlotWhenItFrees) {
  auto origin = startOrigin({"--latency", "300"});
  ASSERT_TRUE(origin.ok());
  auto gw = startGatewayWithConfig(shieldConfig(
      origin.port,
      "shield:\n  origin_protection: { min_limit: 1, max_limit: 1, queue_timeout: 5s }\n", 2));
  ASSERT_TRUE(gw.ok());
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      std::string source = "127.0.121." + std::to_string(i + 1);
      if (getOnce(source.c_str(), gw.port) == 200) ok.fetch_add(1);
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(originRequestCount(origin.port), 4);
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

// Rounds of usersServed, one every 20 ms (2,500 requests a second), from `start` for `length`;
// `each(at, served)` is told each round's time since `start` and how many were served. The users
// must keep a steady rate: unpaced, it follows the machine's free CPU, and a rule that refuses
// them (faster than the origin answers) doubles it — an anomaly of strangers that the detector
// acts on, as it should on a flood.
template <typename Each>
void pacedRounds(uint16_t port, Clock::time_point start, Clock::duration length, Each each) {
  for (auto next = start; Clock::now() - start < length;) {
    each(Clock::now() - start, usersServed(port));
    // A late round is not made up for: a burst of rounds is a rise in the rate.
    next = std::max(next + milliseconds(20), Clock::now());
    std::this_thread::sleep_until(next);
  }
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
  pacedRounds(gw.port, injected, seconds(12), [&](Clock::duration at, int ok) {
    worst = std::min(worst, ok);
    if (at >= seconds(10)) {
      late_ok += ok;
      late_sent += 50;
    }
  });
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
  // Paced throughout: a doubling of the users' rate at 9 s (another process finishing) was once
  // an anomaly of strangers that a rule acted on.
  int served = 0, sent = 0;
  auto count = [&](Clock::duration, int ok) {
    served += ok;
    sent += 50;
  };
  pacedRounds(gw.port, Clock::now(), milliseconds(11500), count);
  ASSERT_EQ(served, sent);
  served = sent = 0;
  replaceFile(gw.config_path, harmfulRule(origin.port));
  ASSERT_TRUE(gw.process->signal(SIGHUP));
  pacedRounds(gw.port, Clock::now(), seconds(4), count);
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

// Of the attack offered from `from_s` seconds into the attack phase until it ended, the share
// admitted to the origin, by the report's per-second series: the bound issue 4 sets on an attack
// "once mitigated" (the whole-phase share also counts the seconds before the rule acted).
double admittedShareAfter(const nlohmann::json& report, double from_s) {
  const auto& window = report["derived"]["attack_window_s"];
  const auto begin = static_cast<size_t>(window[0].get<double>() + from_s);
  const auto end = static_cast<size_t>(window[1].get<double>());
  double admitted = 0, offered = 0;
  for (size_t t = begin; t < end && t < report["series"].size(); ++t) {
    admitted += report["series"][t]["attack"]["admitted"].get<double>();
    offered += report["series"][t]["attack"]["offered"].get<double>();
  }
  return offered == 0 ? 1 : admitted / offered;
}

// What issue 4 asks of a mitigated scenario: legitimate success ≥ 99.5%, no user blocked, and
// once mitigated at most 5% of the attack reaching the origin.
void expectMitigated(const nlohmann::json& report, const CommandResult& run,
                     double max_time_to_mitigate_s) {
  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_mitigate_s"].is_null()) << run.out;
  EXPECT_LE(derived["time_to_mitigate_s"].get<double>(), max_time_to_mitigate_s) << run.out;
  EXPECT_GE(report["legit"]["success"].get<double>(), 0.995) << run.out;
  EXPECT_EQ(derived["collateral_users"].get<int>(), 0) << run.out;
  EXPECT_LE(admittedShareAfter(report, derived["time_to_mitigate_s"].get<double>()), 0.05)
      << run.out;
}

// Issue 4's scenario shape against a quick-start gateway and an origin of 5,000 requests/s:
// 12 s of calm (the users become known-good), 12 s of attack, 2 s after, with `clients` (the
// users' group and the attackers', as YAML). Checks expectMitigated; the report, and the
// gateway's log in *log.
nlohmann::json playMitigated(const std::string& name, const std::string& clients,
                             std::string* log, double max_time_to_mitigate_s = 4.0) {
  auto origin = startOrigin({"--capacity", "5000", "--latency", "2"});
  auto gw = startQuickGateway({origin.port});
  if (!origin.ok() || !gw.ok()) {
    ADD_FAILURE() << "origin or gateway did not start";
    return {};
  }
  std::string scenario = stormHead(name, gw.port, origin.port) +
                         "phases:\n"
                         "  - { name: calm, duration: 12s }\n"
                         "  - { name: attack, duration: 12s, attack: true }\n"
                         "  - { name: after, duration: 2s }\n"
                         "clients:\n" +
                         clients;
  CommandResult run;
  auto report = runStorm(scenario, &run);
  *log = gw.process->stderrText();
  if (report.is_null()) {
    ADD_FAILURE() << run.out << run.err;
    return {};
  }
  expectMitigated(report, run, max_time_to_mitigate_s);
  return report;
}

// Cache busting: random paths and random query keys, so that no two requests are alike. The
// fingerprint shapes ids in paths and query keys alike, and word-like keys the users never send
// ("?qzkwvb=") as one {key}, so each of the flood's URL patterns is one heavy fingerprint, and
// each is challenged — within issue 4's 2 s.
TEST(ShieldDetectorTest, CacheBustingFloodIsChallengedToUnderFivePercent) {
  std::string log;
  auto report = playMitigated(
      "cache-busting",
      "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 100,\n"
      "      rate: 300, paths: [/, /products/42, \"/search?q={rand}\"] }\n"
      "  - { name: busters, kind: cache_busting, sources: 127.66.0.0/16,\n"
      "      count: 500, rate: 1500, paths: [\"/{rand}?{rand}={rand}\",\n"
      "      \"/products/{rand}\", \"/search?q={rand}&page={rand}\",\n"
      "      \"/x?{word}={rand}\"] }\n",
      &log, 2.0);
  ASSERT_FALSE(report.is_null());
  EXPECT_GT(report["attack"]["counts"]["status_3xx"].get<uint64_t>(), 0u);
}

// A mixed campaign: a distributed flood of one new shape, cache busters, and mimics copying the
// users' own requests from new addresses. The mimics swell the users' fingerprints by less than
// a new shape would; those fingerprints are found as shared and challenged sparing known-good
// clients, so the regulars never see the challenge and the mimics stop at it.
TEST(ShieldDetectorTest, MixedFloodWithMimicsIsChallengedToUnderFivePercent) {
  std::string log;
  auto report = playMitigated(
      "mixed",
      "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 100,\n"
      "      rate: 300, paths: [/, /products/42, /cart] }\n"
      "  - { name: distributed, kind: distributed_flood, sources: 127.66.0.0/16,\n"
      "      count: 10000, rate: 800, requests_per_connection: 3 }\n"
      "  - { name: busters, kind: cache_busting, sources: 127.67.0.0/16,\n"
      "      count: 300, rate: 500 }\n"
      "  - { name: mimics, kind: mimic, sources: 127.68.0.0/16, count: 300,\n"
      "      rate: 400 }\n",
      &log);
  ASSERT_FALSE(report.is_null());
  EXPECT_GT(group(report, "mimics")["counts"]["status_3xx"].get<uint64_t>(), 0u);
  EXPECT_NE(log.find("regular clients use it too"), std::string::npos);
}

// The challenge end to end: a distributed flood from 20,000 addresses, each far below any
// per-address limit, shares one request fingerprint; the detector challenges it. Browser-like
// users follow the redirect with their cookie and pass; the flood tool never gets past it.
TEST(ShieldDetectorTest, ChallengedFloodIsStoppedWhileUsersPass) {
  auto origin = startOrigin({"--capacity", "3000", "--latency", "5"});
  ASSERT_TRUE(origin.ok());
  auto gw = startQuickGateway({origin.port});
  ASSERT_TRUE(gw.ok());
  std::string scenario = stormHead("challenge", gw.port, origin.port) +
                         "phases:\n"
                         "  - { name: calm, duration: 10s }\n"
                         "  - { name: attack, duration: 10s, attack: true }\n"
                         "  - { name: after, duration: 3s }\n"
                         "clients:\n"
                         "  - { name: users, kind: legit, sources: 127.10.0.0/16, count: 200,\n"
                         "      rate: 400, paths: [/, /products, /cart] }\n"
                         "  - { name: flood, kind: distributed_flood, sources: 127.66.0.0/16,\n"
                         "      count: 20000, rate: 2500, requests_per_connection: 3 }\n";
  CommandResult run;
  auto report = runStorm(scenario, &run);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_mitigate_s"].is_null()) << run.out;
  EXPECT_LE(derived["time_to_mitigate_s"].get<double>(), 2.0) << run.out;
  EXPECT_GE(report["legit"]["success"].get<double>(), 0.99) << run.out;
  EXPECT_EQ(derived["collateral_users"].get<int>(), 0) << run.out;
  // Over the whole 10 s attack phase: found within ~0.6 s, the challenge is enforced for every
  // matching client in the tick it is found (the detector's own counts are its shadow's
  // evidence, and a challenge needs no canary).
  EXPECT_LE(derived["attack_admitted_share"].get<double>(), 0.20) << run.out;
  const std::string log = gw.process->stderrText();
  std::smatch proposed, enforced;
  ASSERT_TRUE(std::regex_search(
      log, proposed, std::regex(R"((\S+) info governor: rule #(\d+) proposed \(fingerprint)")))
      << log;
  ASSERT_TRUE(std::regex_search(
      log, enforced,
      std::regex("(\\S+) info governor: rule #" + proposed[2].str() + " enforced \\(fingerprint")))
      << log;
  // Both moves are one call on the control thread: the same millisecond, or the next one.
  auto millisOfDay = [](const std::string& stamp) {  // "2026-11-26T11:28:41.405Z"
    return ((std::stoi(stamp.substr(11, 2)) * 60 + std::stoi(stamp.substr(14, 2))) * 60 +
            std::stoi(stamp.substr(17, 2))) * 1000 + std::stoi(stamp.substr(20, 3));
  };
  EXPECT_LE(millisOfDay(enforced[1].str()) - millisOfDay(proposed[1].str()), 100)
      << proposed[0] << " ... " << enforced[0];
  // The flood was answered with the challenge's redirect, which it does not follow.
  EXPECT_GT(report["attack"]["counts"]["status_3xx"].get<uint64_t>(), 0u) << run.out;
  EXPECT_NE(log.find("challenge"), std::string::npos);
}

// Origin protection end to end: regulars (known-good after their calm seconds) and then a crowd
// of new clients at five times what the origin serves. The edge sheds the excess with 503 and
// Retry-After, lowest class first; the regulars keep being served and the origin itself
// refuses next to nothing.
TEST(OriginProtectionTest, KnownGoodClientsKeepTheOriginUnderACrowd) {
  auto origin = startOrigin({"--capacity", "600", "--latency", "20"});
  ASSERT_TRUE(origin.ok());
  auto gw = startQuickGateway({origin.port});
  ASSERT_TRUE(gw.ok());
  std::string scenario = stormHead("origin-protection", gw.port, origin.port) +
                         "phases:\n"
                         "  - { name: calm, duration: 13s }\n"
                         "  - { name: crowd, duration: 8s, attack: true }\n"
                         "clients:\n"
                         "  - { name: regulars, kind: legit, sources: 127.10.0.0/24, count: 50,\n"
                         "      rate: 100 }\n"
                         "  - { name: crowd, kind: legit, sources: 127.77.0.0/16, count: 3000,\n"
                         "      rate: 3000, phases: [crowd] }\n";
  CommandResult run;
  auto report = runStorm(scenario, &run);
  ASSERT_FALSE(report.is_null()) << run.out << run.err;
  const auto& regulars = group(report, "regulars");
  const auto& crowd = group(report, "crowd");
  EXPECT_GE(regulars["success"].get<double>(), 0.97) << run.out;
  EXPECT_GT(crowd["counts"]["status_503"].get<uint64_t>(), 0u) << run.out;
  auto origin_tally = originTally(origin.port);
  // Unprotected, the origin would refuse ~80% (3,100 requests/s against 600). The crowd's first
  // half second reaches it before the limit bites: 2-5.5% over repeated runs (5.49% once in a full-suite run).
  EXPECT_LE(origin_tally.refusedShare(), 0.08) << "origin " << origin_tally.str() << "\n" << run.out;
  std::printf("origin refused %.2f%%, regulars' success %.2f%%\n", origin_tally.refusedShare() * 100,
              regulars["success"].get<double>() * 100);
  EXPECT_NE(gw.process->stderrText().find("origin protection: cluster #0 limit"),
            std::string::npos);
}

// The detector end to end: the storm lab plays 200 users and a keep-alive flood from four
// addresses against a real gateway; the flood is recognised and its sources blocked, and the
// users never notice.
TEST(ShieldDetectorTest, KeepAliveFloodIsMitigatedWithoutCollateral) {
  auto origin = startOrigin({"--capacity", "3000", "--latency", "5"});
  ASSERT_TRUE(origin.ok());
  auto gw = startQuickGateway({origin.port}, {"--admin", "127.0.0.1:0"});
  ASSERT_TRUE(gw.ok());
  const uint16_t admin = adminPortOf(gw);
  ASSERT_NE(admin, 0);
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
  CommandResult run;
  auto report = runStorm(scenario, &run);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto& derived = report["derived"];
  ASSERT_FALSE(derived["time_to_mitigate_s"].is_null()) << run.out;
  EXPECT_LE(derived["time_to_mitigate_s"].get<double>(), 2.0) << run.out;
  EXPECT_EQ(derived["collateral_users"].get<int>(), 0) << run.out;
  double success = report["legit"]["success"].get<double>();
  EXPECT_GE(success, 0.99) << "users' success " << success * 100 << "%\n" << run.out;
  std::printf("users' success: %.2f%%\n", success * 100);
  EXPECT_LE(derived["attack_admitted_share"].get<double>(), 0.25) << run.out;
  // The gateway says why: each rule with its evidence.
  EXPECT_NE(gw.process->stderrText().find("rule #"), std::string::npos);
  EXPECT_NE(gw.process->stderrText().find("127.66.0."), std::string::npos);
  // ...and the admin API has it too: the event log with the evidence, the rules, the metrics.
  HttpClient api(admin);
  auto events = api.get("/api/v1/events?kind=rule.enforced");
  ASSERT_TRUE(events.has_value());
  auto enforced = parseJson(events->body)["events"];
  ASSERT_FALSE(enforced.empty()) << events->body;
  EXPECT_NE(enforced[0]["evidence"]["match"].get<std::string>().find("127.66.0."),
            std::string::npos)
      << events->body;
  EXPECT_FALSE(enforced[0]["message"].get<std::string>().empty()) << events->body;
  auto findings = api.get("/api/v1/events?kind=finding");
  ASSERT_TRUE(findings.has_value());
  EXPECT_FALSE(parseJson(findings->body)["events"].empty());
  auto shield = api.get("/api/v1/shield");
  ASSERT_TRUE(shield.has_value());
  EXPECT_FALSE(parseJson(shield->body)["rules"].empty()) << shield->body;
  auto metrics = api.get("/metrics");
  ASSERT_TRUE(metrics.has_value());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      metrics->body, m, std::regex(R"(floodgate_rules_active\{action="block"\} ([0-9]+))")));
  EXPECT_GE(std::stoi(m[1]), 1);
  // The users, known-good after their calm, were admitted as such.
  ASSERT_TRUE(std::regex_search(
      metrics->body, m,
      std::regex(R"(floodgate_requests_by_class_total\{class="known_good"\} ([0-9]+))")));
  EXPECT_GT(std::stoll(m[1]), 1000);
  EXPECT_NE(metrics->body.find("\nfloodgate_detector_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace floodgate::integration
