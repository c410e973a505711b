#include "proxy/status_feed.h"

#include <gtest/gtest.h>

#include "upstream/upstream_control.h"

namespace floodgate::proxy {
namespace {

// Feeds a real StatusService (in memory, on a ManualClock) from a config with three components:
// "api" by cluster (two levels: a primary and an alternate), "web" by route, and "edge" by one
// endpoint of its own. Endpoint health comes from a real UpstreamControl (not started: the test
// drives it) through the views it publishes, as the gateway wires them.
class StatusFeedTest : public ::testing::Test {
 protected:
  StatusFeedTest() {
    std::string yaml =
        "listeners: [{ address: 127.0.0.1:0 }]\n"
        "clusters:\n"
        "  - name: api\n"
        "    levels:\n"
        "      - endpoints: [127.0.0.1:9000]\n"
        "      - endpoints: [127.0.0.1:9001]\n"
        "        capacity: 100/s\n"
        "    outlier_detection: { consecutive_connect_failures: 3, max_ejected_percent: 50 }\n"
        "  - { name: web, endpoints: [127.0.0.1:9002, 127.0.0.1:9003] }\n"
        "routes:\n"
        "  - { name: api, match: { path_prefix: /api }, cluster: api }\n"
        "  - { name: site, cluster: web }\n"
        "status:\n"
        "  listen: 127.0.0.1:0\n"
        "  worse_after: 1s\n"
        "  components:\n"
        "    - { name: API, clusters: [api] }\n"
        "    - { name: Web, routes: [site] }\n"
        "    - { name: Edge, endpoints: [127.0.0.1:9003] }\n";
    auto loaded = config::loadConfigString(yaml, "t.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.describeProblems();
    config_ = loaded.config;
    shield_ = std::make_unique<ShieldState>(config_->shield, 1);
    auto options = statusServiceOptions(*config_);
    options.database = ":memory:";
    auto service = status::StatusService::open(options, clock_);
    EXPECT_TRUE(service.ok());
    service_ = std::move(*service);
    feed_ = std::make_unique<StatusFeed>(*config_, service_.get(), shield_.get());
    upstream_ = std::make_unique<upstream::UpstreamControl>(
        config_, 1, [this](auto view) { feed_->noteUpstream(view); }, clock_);
  }

  void second(const TrafficTick& tick) {
    clock_.advance(std::chrono::seconds(1));
    feed_->noteTick(tick);
    feed_->second();
  }

  // The cluster's shared counters and gates, as workers see them.
  upstream::ClusterShared& shared(size_t cluster) {
    return *upstream_->view()->clusters[cluster].shared;
  }
  // Outlier detection ejects endpoint `e` of `cluster` (ten connect failures in a row).
  void eject(size_t cluster, size_t e) {
    shared(cluster).endpoint(e).consecutive_gateway.store(10);
    upstream_->tick();
  }

  status::ComponentStatus statusOf(const std::string& id) {
    for (const auto& c : service_->components()) {
      if (c.id == id) return c.status;
    }
    return status::ComponentStatus::kUnderMaintenance;
  }

  // The unresolved incidents, as the Statuspage-compatible JSON has them.
  nlohmann::json openIncidents() {
    web::Request r{"GET", "/api/v2/incidents/unresolved.json"};
    return nlohmann::json::parse(service_->publicHandler()(r).body)["incidents"];
  }

  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<ShieldState> shield_;
  ManualClock clock_;
  std::unique_ptr<status::StatusService> service_;
  std::unique_ptr<StatusFeed> feed_;
  std::unique_ptr<upstream::UpstreamControl> upstream_;
};

TrafficTick calm() {
  TrafficTick t;
  t.requests = 100;
  t.routes[0] = 60;  // /api
  t.routes[1] = 40;  // the site
  return t;
}

TEST_F(StatusFeedTest, EachComponentIsJudgedByItsOwnEndpointsAndRoutes) {
  second(calm());
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kOperational);
  EXPECT_EQ(statusOf("edge"), status::ComponentStatus::kOperational);
  eject(1, 1);  // 127.0.0.1:9003: the web cluster's second endpoint, Edge's only one
  second(calm());
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kDegradedPerformance);  // one of two
  EXPECT_EQ(statusOf("edge"), status::ComponentStatus::kMajorOutage);
}

TEST_F(StatusFeedTest, ServerErrorsAreCountedOnTheirOwnRoute) {
  TrafficTick failing = calm();
  failing.errors_5xx = 30;
  failing.route_errors[1] = 30;  // every error was on the site: 75% of its 40 requests
  second(failing);
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);  // none of its 60
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kMajorOutage);
}

// The defense loop ticks every 500 ms: the second the status engine judges is both halves.
TEST_F(StatusFeedTest, TwoTicksWithinASecondAreJudgedAsOne) {
  TrafficTick failing = calm();
  failing.errors_5xx = 30;
  failing.route_errors[1] = 30;  // the site's 40 requests of this half: 75% failed
  clock_.advance(std::chrono::seconds(1));
  feed_->noteTick(failing);
  feed_->noteTick(calm());  // the second half: no errors
  feed_->second();
  // 30 of the second's 80 site requests (37.5%): an outage the last half alone would hide.
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kPartialOutage);
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kOperational);
}

TEST_F(StatusFeedTest, AComponentOfEndpointsAloneCountsTheAttemptsAtThem) {
  second(calm());
  upstream::EndpointStats& edge = shared(1).endpoint(1);  // 127.0.0.1:9003
  edge.requests.store(20);
  edge.failures.store(12);  // 60% of this second's attempts failed
  shared(1).endpoint(0).failures.store(50);  // the web cluster's other endpoint: not Edge's
  second(calm());
  EXPECT_EQ(statusOf("edge"), status::ComponentStatus::kMajorOutage);
  edge.requests.store(40);  // the next second: 20 more attempts, no more failures
  second(calm());
  EXPECT_EQ(statusOf("edge"), status::ComponentStatus::kMajorOutage);  // hysteresis holds it
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u) << open.dump();
  std::string body = open[0]["incident_updates"][0]["body"];
  EXPECT_NE(body.find("Elevated error rates on Edge: 60% of requests failed."), std::string::npos)
      << body;
}

TEST_F(StatusFeedTest, AFailoverIsDegradedWithAnIncidentSayingSo) {
  second(calm());
  eject(0, 0);  // the primary of "api": its traffic moves to the alternate
  second(calm());
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kDegradedPerformance);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(open[0]["name"], "Degraded performance of API");
  std::string body = open[0]["incident_updates"][0]["body"];
  EXPECT_NE(body.find("API runs on its alternate path"), std::string::npos) << body;
  EXPECT_NE(body.find("Traffic moved to the alternate path at "), std::string::npos) << body;

  // The alternate is full: 20 of its 60 requests shed at the edge make it a partial outage.
  shared(0).counters().shed.store(20);
  second(calm());
  EXPECT_EQ(statusOf("api"), status::ComponentStatus::kPartialOutage);
  open = openIncidents();
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(open[0]["name"], "Partial outage of API");
}

TEST_F(StatusFeedTest, ADrainedEndpointIsNotAFault) {
  ASSERT_TRUE(upstream_->drainEndpoint("127.0.0.1:9003").ok());
  second(calm());
  second(calm());
  EXPECT_EQ(statusOf("web"), status::ComponentStatus::kOperational);
  EXPECT_TRUE(openIncidents().empty());
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
