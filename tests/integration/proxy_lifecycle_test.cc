// A running gateway changing state: reloads (valid under load, invalid refused) and the drain on
// SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string directRoute(const std::string& name, const std::string& prefix,
                        const std::string& body) {
  return "  - name: " + name + "\n    match: { path_prefix: " + prefix +
         " }\n    direct_response: { status: 200, body: \"" + body + "\" }\n";
}

// True once GET `path` on a new connection answers 200 with `body`.
bool answers(uint16_t port, const std::string& path, const std::string& body) {
  HttpClient c(port, seconds(2));
  auto r = c.get(path);
  return r && r->status == 200 && r->body == body;
}

// A client that sends requests one after another until stopped, alternating between a
// keep-alive connection and a new connection per request, and counts every failure.
class SteadyLoad {
 public:
  explicit SteadyLoad(uint16_t port) : port_(port), thread_([this] { run(); }) {}
  ~SteadyLoad() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  std::vector<std::string> failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }

 private:
  void run() {
    HttpClient keep_alive(port_, seconds(5));
    for (int i = 0; !stop_; ++i) {
      bool fresh = i % 2 == 1;
      std::optional<HttpClient> one_shot;
      HttpClient* c = &keep_alive;
      if (fresh) c = &one_shot.emplace(port_, seconds(5));
      auto r = c->get("/__origin/echo?i=" + std::to_string(i));
      if (r && r->status == 200) {
        ++ok_;
        continue;
      }
      ++failed_;
      std::lock_guard<std::mutex> lock(mu_);
      if (failures_.size() < 10) {
        failures_.push_back(
            std::string(fresh ? "new connection" : "keep-alive") + " request " + std::to_string(i) +
            ": " + (r ? "status " + std::to_string(r->status) + " " + r->body : c->error()));
      }
    }
  }

  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
  std::thread thread_;
};

TEST(ProxyReloadTest, ReloadUnderLoadFailsNoRequest) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  GatewayYaml yaml;
  yaml.endpoints = {origin.port};
  yaml.workers = 2;
  yaml.routes = directRoute("health", "/healthz", "ok");
  auto gateway = startGatewayWithConfig(yaml.str());
  ASSERT_TRUE(gateway.ok());

  auto start = Clock::now();
  SteadyLoad load(gateway.port);
  for (int i = 1; i <= 5; ++i) {
    // Spread the reloads over the load's ~3 s.
    pollUntil([&] { return secondsSince(start) >= i * 0.5; }, seconds(5));
    std::string name = "reloaded" + std::to_string(i);
    yaml.routes = directRoute("health", "/healthz", "ok") + directRoute(name, "/" + name, name);
    replaceFile(gateway.config_path, yaml.str());
    ASSERT_TRUE(gateway.process->signal(SIGHUP));
    ASSERT_TRUE(pollUntil([&] { return answers(gateway.port, "/" + name, name); }, seconds(3)))
        << "reload " << i << " did not take effect";
  }
  pollUntil([&] { return secondsSince(start) >= 3.0; }, seconds(5));
  load.stop();

  EXPECT_EQ(load.failed(), 0) << [&] {
    std::string all;
    for (const auto& f : load.failures()) all += "\n  " + f;
    return all;
  }();
  EXPECT_GT(load.ok(), 50) << "the load was too thin to mean anything";
  // Routes of earlier generations are gone; the latest one and the origin still answer.
  EXPECT_FALSE(answers(gateway.port, "/reloaded1", "reloaded1"));
  EXPECT_TRUE(answers(gateway.port, "/reloaded5", "reloaded5"));
  EXPECT_TRUE(answers(gateway.port, "/healthz", "ok"));
  EXPECT_TRUE(gateway.process->running());
}

TEST(ProxyReloadTest, InvalidReloadIsRefusedAndTheOldConfigKeepsServing) {
  auto origin = startOrigin({"--name", "old-origin"});
  ASSERT_TRUE(origin.ok());
  GatewayYaml yaml;
  yaml.endpoints = {origin.port};
  yaml.routes = directRoute("v1", "/v1", "one");
  auto gateway = startGatewayWithConfig(yaml.str());
  ASSERT_TRUE(gateway.ok());
  ASSERT_TRUE(answers(gateway.port, "/v1", "one"));

  HttpClient keep_alive(gateway.port);
  ASSERT_TRUE(keep_alive.get("/__origin/echo"));

  struct Broken {
    const char* what;
    std::string yaml;
  };
  GatewayYaml unknown_cluster = yaml;
  unknown_cluster.routes = directRoute("v2", "/v2", "two") +
                           "  - name: lost\n    match: { path_prefix: /lost }\n"
                           "    cluster: no-such-cluster\n";
  const Broken broken[] = {
      {"a route to an unknown cluster", unknown_cluster.str()},
      {"a YAML syntax error", yaml.str() + "listeners: [ {\n"},
      {"an unknown key", yaml.str() + "drain_timeuot: 5s\n"},
  };
  for (const auto& b : broken) {
    SCOPED_TRACE(b.what);
    size_t stderr_before = gateway.process->stderrText().size();
    replaceFile(gateway.config_path, b.yaml);
    ASSERT_TRUE(gateway.process->signal(SIGHUP));
    // The refusal names the file with a line and column.
    std::regex located(
        std::regex_replace(gateway.config_path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
        R"(:[0-9]+:[0-9]+: )");
    EXPECT_TRUE(pollUntil(
        [&] {
          std::string err = gateway.process->stderrText();
          return std::regex_search(err.substr(std::min(stderr_before, err.size())), located);
        },
        seconds(3)))
        << "stderr does not mention the problem:\n"
        << gateway.process->stderrText();
    EXPECT_TRUE(gateway.process->running());
    EXPECT_TRUE(answers(gateway.port, "/v1", "one")) << "the old config stopped serving";
    EXPECT_FALSE(answers(gateway.port, "/v2", "two")) << "part of the broken config was applied";
    auto r = keep_alive.get("/__origin/echo");
    ASSERT_TRUE(r) << keep_alive.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("X-Origin"), "old-origin");
  }

  // Reloading still works after refusals.
  yaml.routes = directRoute("v3", "/v3", "three");
  replaceFile(gateway.config_path, yaml.str());
  ASSERT_TRUE(gateway.process->signal(SIGHUP));
  EXPECT_TRUE(pollUntil([&] { return answers(gateway.port, "/v3", "three"); }, seconds(5)));
  EXPECT_FALSE(answers(gateway.port, "/v1", "one"));
}

TEST(ProxyReloadTest, SighupWithoutAConfigFileKeepsServing) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gateway = startQuickGateway({origin.port}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  ASSERT_TRUE(gateway.process->signal(SIGHUP));
  EXPECT_TRUE(gateway.process->waitForLine(std::regex("SIGHUP|reload"), seconds(5), true))
      << "no word on stderr about the SIGHUP";
  HttpClient c(gateway.port);
  auto r = c.get("/__origin/echo");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(gateway.process->running());
}

// ---- drain ----

class ProxyDrainTest : public ::testing::Test {
 protected:
  void startWithDrainTimeout(const std::string& timeout) {
    origin_ = startOrigin();
    ASSERT_TRUE(origin_.ok());
    GatewayYaml yaml;
    yaml.endpoints = {origin_.port};
    yaml.extra = "drain_timeout: " + timeout + "\n";
    gateway_ = startGatewayWithConfig(yaml.str());
    ASSERT_TRUE(gateway_.ok());
  }

  // Sends a request for /__origin/delay/MS and waits until the origin has it.
  void startSlowRequest(HttpClient* c, int ms) {
    int64_t before = originRequestCount(origin_.port);
    ASSERT_GE(before, 0);
    ASSERT_TRUE(
        c->send("GET /__origin/delay/" + std::to_string(ms) + " HTTP/1.1\r\nHost: a\r\n\r\n"))
        << c->error();
    ASSERT_TRUE(pollUntil([&] { return originRequestCount(origin_.port) > before; }, seconds(5)))
        << "the request never reached the origin";
  }

  Server origin_;
  Server gateway_;
};

TEST_F(ProxyDrainTest, InFlightRequestCompletesNewConnectionsAreRefusedExitZero) {
  startWithDrainTimeout("5s");
  HttpClient in_flight(gateway_.port, seconds(10));
  startSlowRequest(&in_flight, 1000);

  auto sigterm = Clock::now();
  ASSERT_TRUE(gateway_.process->signal(SIGTERM));
  EXPECT_TRUE(pollUntil([&] { return !canConnect(gateway_.port); }, seconds(2)))
      << "floodgate still accepts connections while draining";

  auto r = in_flight.readResponse();
  ASSERT_TRUE(r) << "the in-flight request was cut: " << in_flight.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "delayed 1000 ms\n");
  EXPECT_FALSE(canConnect(gateway_.port));

  auto code = gateway_.process->waitExit(seconds(6));
  ASSERT_TRUE(code) << "floodgate did not exit within the drain timeout";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(secondsSince(sigterm), 5.0);
}

TEST_F(ProxyDrainTest, IdleKeepAliveConnectionsDoNotHoldTheDrain) {
  startWithDrainTimeout("10s");
  HttpClient idle(gateway_.port);
  auto r = idle.get("/__origin/echo");
  ASSERT_TRUE(r) << idle.error();
  ASSERT_FALSE(r->closes);

  auto sigterm = Clock::now();
  ASSERT_TRUE(gateway_.process->signal(SIGTERM));
  EXPECT_TRUE(idle.waitForPeerClose(seconds(3))) << idle.error();
  auto code = gateway_.process->waitExit(seconds(4));
  ASSERT_TRUE(code) << "an idle keep-alive connection held the drain";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(secondsSince(sigterm), 3.0);
}

TEST_F(ProxyDrainTest, RequestsLongerThanTheDrainTimeoutAreCut) {
  startWithDrainTimeout("1s");
  HttpClient in_flight(gateway_.port, seconds(10));
  startSlowRequest(&in_flight, 20000);

  auto sigterm = Clock::now();
  ASSERT_TRUE(gateway_.process->signal(SIGTERM));
  auto code = gateway_.process->waitExit(seconds(4));
  ASSERT_TRUE(code) << "floodgate outlived its drain timeout";
  EXPECT_EQ(*code, 0);
  double took = secondsSince(sigterm);
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 3.0);
  // The cut request gets no 200: the connection closes (or a 5xx explains).
  auto r = in_flight.readResponse();
  if (r) {
    EXPECT_GE(r->status, 500);
  }
}

TEST_F(ProxyDrainTest, SigintDrainsToo) {
  startWithDrainTimeout("5s");
  ASSERT_TRUE(gateway_.process->signal(SIGINT));
  auto code = gateway_.process->waitExit(seconds(5));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace floodgate::integration
