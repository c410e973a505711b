// The proxy when peers misbehave or pile up: clients that vanish mid-body, upstreams that cut a
// response or drop pooled connections, many slow requests at once, and an upstream switched by a
// reload while traffic flows.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <thread>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class ProxyRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = startOrigin({"--name", "robust"});
    ASSERT_TRUE(origin_.ok());
    gateway_ = startQuickGateway({origin_.port}, {"--workers", "1"});
    ASSERT_TRUE(gateway_.ok());
  }

  void expectHealthy() {
    HttpClient c(gateway_.port);
    auto r = c.get("/__origin/echo?healthy=1");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(gateway_.process->running());
  }

  Server origin_;
  Server gateway_;
};

TEST_F(ProxyRobustnessTest, ClientVanishingMidDownloadLeavesTheGatewayHealthy) {
  for (int i = 0; i < 3; ++i) {
    HttpClient c(gateway_.port);
    ASSERT_TRUE(c.send("GET /__origin/bytes/1073741824 HTTP/1.1\r\nHost: a\r\n\r\n"));
    // Read the head and some of the body, then go away.
    ASSERT_TRUE(c.waitForBytes(1 << 20, seconds(5))) << c.error();
  }
  expectHealthy();
  // The cut transfers did not leave floodgate holding their bodies.
  EXPECT_LT(gateway_.process->peakRssKiB(), 64 * 1024);
}

TEST_F(ProxyRobustnessTest, ClientVanishingMidUploadLeavesTheGatewayHealthy) {
  for (int i = 0; i < 3; ++i) {
    HttpClient c(gateway_.port);
    ASSERT_TRUE(
        c.send("POST /__origin/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n"));
    BodySource body(1 << 20);
    ASSERT_TRUE(c.sendBody([&](char* b, size_t n) { return body.next(b, n); }, false));
  }  // each client closes with 999 MB still owed
  expectHealthy();
}

TEST_F(ProxyRobustnessTest, ManySlowRequestsAreServedConcurrently) {
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<HttpClient>(gateway_.port, seconds(10)));
    ASSERT_TRUE(clients.back()->connected()) << clients.back()->error();
  }
  auto start = Clock::now();
  for (auto& c : clients) {
    ASSERT_TRUE(c->send("GET /__origin/delay/500 HTTP/1.1\r\nHost: a\r\n\r\n")) << c->error();
  }
  int ok = 0;
  for (auto& c : clients) {
    auto r = c->readResponse();
    ok += r && r->status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok, kClients);
  // Serialized, 200 half-second requests would take 100 s.
  EXPECT_LT(secondsSince(start), 5.0) << "requests were not served concurrently";
}

TEST(ProxyUpstreamRobustnessTest, TruncatedUpstreamResponseClosesTheClientConnection) {
  ScriptedUpstream cut("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly twenty bytes...", true);
  auto gateway = startQuickGateway({cut.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port, seconds(5));
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto r = c.readResponse();
  // Either the head went out and the connection closes short of the promised length, or
  // floodgate answered 502 before sending anything. Never a complete-looking 200.
  if (r) {
    EXPECT_EQ(r->status, 502) << "a truncated body was passed off as complete";
  } else {
    EXPECT_NE(c.error().find("closed"), std::string::npos) << c.error();
  }
}

TEST(ProxyUpstreamRobustnessTest, UpstreamClosingPooledConnectionsCausesNoErrors) {
  // Answers keep-alive style, then closes anyway, as an origin whose keep-alive timeout ran out
  // does: every pooled connection goes stale. A server may close an idle connection at any time
  // (RFC 9112 9.5); a GET that failed on a reused connection before any byte of an answer can be
  // retried on a new one (RFC 9112 9.3.1), so the client must never see it.
  ScriptedUpstream closer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true);
  auto gateway = startQuickGateway({closer.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  int failed = 0;
  std::string first_failure;
  for (int i = 0; i < 100; ++i) {
    auto r = c.get("/stale?i=" + std::to_string(i));
    if (r && r->status == 200 && r->body == "ok") continue;
    if (failed++ == 0) {
      first_failure = "request " + std::to_string(i) + ": " +
                      (r ? std::to_string(r->status) + " " + r->body : c.error());
    }
  }
  EXPECT_EQ(failed, 0) << first_failure;
}

TEST(ProxyReloadSwitchTest, ReloadMovesTrafficToANewUpstreamWithoutErrors) {
  auto a = startOrigin({"--name", "a"});
  auto b = startOrigin({"--name", "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  GatewayYaml yaml;
  yaml.endpoints = {a.port};
  yaml.workers = 2;
  auto gateway = startGatewayWithConfig(yaml.str());
  ASSERT_TRUE(gateway.ok());

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, from_b{0};
  std::thread load([&] {
    HttpClient c(gateway.port, seconds(5));
    while (!stop) {
      auto r = c.get("/");
      if (r && r->status == 200) {
        ++ok;
        if (r->header("X-Origin") == "b") ++from_b;
      } else {
        ++failed;
      }
    }
  });
  ASSERT_TRUE(pollUntil([&] { return ok > 20; }, seconds(5)));
  yaml.endpoints = {b.port};
  replaceFile(gateway.config_path, yaml.str());
  ASSERT_TRUE(gateway.process->signal(SIGHUP));
  EXPECT_TRUE(pollUntil([&] { return from_b > 20; }, seconds(5)))
      << "traffic did not move to the new upstream";
  // The old upstream can go away now: nothing may still depend on it.
  a.process->signal(SIGTERM);
  ASSERT_TRUE(a.process->waitExit(seconds(5)));
  int before = ok;
  EXPECT_TRUE(pollUntil([&] { return ok > before + 20; }, seconds(5)));
  stop = true;
  load.join();
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace floodgate::integration
