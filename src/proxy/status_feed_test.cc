#include "proxy/status_feed.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace floodgate::proxy {
namespace {

// Feeds a real StatusService (in memory, on a ManualClock) from a config with two components:
// "api" by cluster (a listening endpoint) and "web" by route (a refusing one).
class StatusFeedTest : public ::testing::Test {
 protected:
  StatusFeedTest() {
    auto listening = listenTcp(*SocketAddress::parse("127.0.0.1:0"));
    EXPECT_TRUE(listening.ok());
    open_ = std::move(*listening);
    refusing_ = FileDescriptor(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(refusing_.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    std::string yaml =
        "listeners: [{ address: 127.0.0.1:0 }]\n"
        "clusters:\n"
        "  - { name: api, endpoints: [" +
        localAddress(open_.get()).toString() +
        "] }\n"
        "  - { name: web, endpoints: [" +
        localAddress(refusing_.get()).toString() +
        "] }\n"
        "routes:\n"
        "  - { name: api, match: { path_prefix: /api }, cluster: api }\n"
        "  - { name: site, cluster: web }\n"
        "status:\n"
        "  listen: 127.0.0.1:0\n"
        "  worse_after: 1s\n"
        "  components: [{ name: API, clusters: [api] }, { name: Web, routes: [site] }]\n";
    auto loaded = config::loadConfigString(yaml, "t.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.describeProblems();
    config_ = loaded.config;
    shield_ = std::make_unique<ShieldState>(config_->shield, 1);
    auto options = statusServiceOptions(*config_);
    options.database = ":memory:";
    auto service = status::StatusService::open(options, clock_);
    EXPECT_TRUE(service.ok());
    service_ = std::move(*service);
    feed_ = std::make_unique<StatusFeed>(&loop_, *config_, service_.get(), shield_.get());
  }

  void second(const TrafficTick& tick) {
    clock_.advance(std::chrono::seconds(1));
    feed_->noteTick(tick);
    feed_->second();
    for (int i = 0; i < 10; ++i) loop_.runOnce(5);  // the probe's connects complete
  }

  status::ComponentStatus statusOf(const std::string& id) {
    for (const auto& c : service_->components()) {
      if (c.id == id) return c.status;
    }
    return status::ComponentStatus::kUnderMaintenance;
  }

  FileDescriptor open_;
  FileDescriptor refusing_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<ShieldState> shield_;
  ManualClock clock_;
  EventLoop loop_;
  std::unique_ptr<status::StatusService> service_;
  std::unique_ptr<StatusFeed> feed_;
};

TEST_F(StatusFeedTest, EachComponentIsJudgedByItsOwnEndpointsAndRoutes) {
  TrafficTick calm;
  calm.requests = 100;
  calm.routes[0] = 60;  // /api
  calm.routes[1] = 40;  // the site
  second(calm);         // no verdict from the probe yet: assumed reachable
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kOperational);
  second(calm);
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kMajorOutage);  // its endpoint refuses
}

TEST_F(StatusFeedTest, ErrorsAreSharedOutByEachComponentsRequests) {
  TrafficTick failing;
  failing.requests = 100;
  failing.routes[0] = 100;  // every request went to /api
  failing.errors_5xx = 30;
  second(failing);
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kPartialOutage);  // 30% of its requests
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kOperational);    // it had none
}

TEST_F(StatusFeedTest, AStaleTickIsNotCountedTwice) {
  TrafficTick failing;
  failing.requests = 100;
  failing.routes[0] = 100;
  failing.errors_5xx = 90;
  feed_->noteTick(failing);
  feed_->second();  // the tick counts once; the next second has no new tick: no requests
  clock_.advance(std::chrono::seconds(1));
  feed_->second();
  auto live =
      nlohmann::json::parse(service_->publicHandler()(web::Request{"GET", "/api/live.json"}).body);
  ASSERT_EQ(live["points"].size(), 2u);
  EXPECT_EQ(live["points"][0]["requests"], 100);
  EXPECT_EQ(live["points"][1]["requests"], 0);
}

}  // namespace
}  // namespace floodgate::proxy
