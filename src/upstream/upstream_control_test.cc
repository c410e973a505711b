#include "upstream/upstream_control.h"

#include <gtest/gtest.h>

#include "upstream/test_support.h"

namespace floodgate::upstream {
namespace {

using testing::twoLevels;

struct Recorder {
  std::vector<std::shared_ptr<const UpstreamView>> views;
  std::vector<std::string> events;
};

TEST(UpstreamControl, EjectsOnConsecutiveFailuresPublishesAndReturns) {
  ManualClock clock;
  Recorder rec;
  UpstreamControl control(
      twoLevels(), 1, [&](auto view) { rec.views.push_back(view); }, clock);
  control.setEventSink([&](std::string_view kind, std::string_view subject, std::string_view,
                           const nlohmann::json&) {
    rec.events.push_back(std::string(kind) + " " + std::string(subject));
  });
  ASSERT_EQ(rec.views.size(), 1u);
  auto shared = rec.views[0]->clusters[0].shared;
  shared->endpoint(0).consecutive_gateway.store(5);
  control.tick();
  ASSERT_EQ(rec.views.size(), 2u);
  EXPECT_TRUE(rec.views[1]->clusters[0].health->endpoints[0].ejected);
  EXPECT_FALSE(rec.views[1]->clusters[0].health->endpoints[0].available());
  EXPECT_EQ(shared->endpoint(0).consecutive_gateway.load(), 0);
  ASSERT_GE(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0], "upstream.endpoint_ejected app/127.0.0.1:9000");
  EXPECT_EQ(rec.events[1], "upstream.level_failover app/level-0");
  clock.advance(seconds(30));
  control.tick();
  ASSERT_EQ(rec.views.size(), 3u);
  const auto& back = rec.views[2]->clusters[0].health->endpoints[0];
  EXPECT_TRUE(back.available());
  EXPECT_EQ(back.available_since, clock.now());  // slow start from here
  EXPECT_EQ(rec.events.back(), "upstream.level_restored app/level-0");
}

TEST(UpstreamControl, FailoverAndDrainEventsCarryTheirDetails) {
  ManualClock clock;
  std::shared_ptr<const UpstreamView> view;
  UpstreamControl control(
      twoLevels(), 1, [&](auto v) { view = v; }, clock);
  std::vector<std::pair<std::string, nlohmann::json>> events;
  control.setEventSink([&](std::string_view kind, std::string_view, std::string_view,
                           const nlohmann::json& details) {
    events.emplace_back(std::string(kind), details);
  });
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9000").ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, "upstream.endpoint_draining");
  EXPECT_EQ(events[0].second["endpoint"], "127.0.0.1:9000");
  EXPECT_EQ(events[0].second["level"], 0);
  EXPECT_EQ(events[1].first, "upstream.level_failover");
  EXPECT_EQ(events[1].second["level"], 0);
  EXPECT_EQ(events[1].second["available"], 0);
  EXPECT_EQ(events[1].second["next_level_serving"], 1);  // the alternate takes its traffic
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9000", false).ok());
  EXPECT_EQ(events.back().first, "upstream.level_restored");
  EXPECT_EQ(events.back().second["available"], 1);
}

TEST(UpstreamControl, DrainIsRefusedForUnknownAddressesAndChangesNothing) {
  ManualClock clock;
  Recorder rec;
  UpstreamControl control(
      twoLevels(), 1, [&](auto view) { rec.views.push_back(view); }, clock);
  auto bad = control.drainEndpoint("10.9.9.9:1");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("no endpoint 10.9.9.9:1"), std::string::npos);
  EXPECT_EQ(rec.views.size(), 1u);
  auto ok = control.drainEndpoint("127.0.0.1:9001");
  ASSERT_TRUE(ok.ok()) << ok.error();
  ASSERT_EQ(rec.views.size(), 2u);
  EXPECT_TRUE(rec.views[1]->clusters[0].health->endpoints[1].draining);
  nlohmann::json j = control.snapshotJson();
  EXPECT_EQ(j["clusters"][0]["endpoints"][1]["draining"], true);
  EXPECT_EQ(j["clusters"][0]["levels"][1]["capacity_rps"], 100);
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9001", false).ok());
  EXPECT_FALSE(rec.views.back()->clusters[0].health->endpoints[1].draining);
}

TEST(UpstreamControl, PanicWhenTooFewAreAvailable) {
  ManualClock clock;
  Recorder rec;
  UpstreamControl control(
      twoLevels(), 1, [&](auto view) { rec.views.push_back(view); }, clock);
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9000").ok());
  EXPECT_FALSE(rec.views.back()->clusters[0].health->panic);  // the alternate level is whole
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9001").ok());
  EXPECT_TRUE(rec.views.back()->clusters[0].health->panic);
}

TEST(HealthProbe, Judge) {
  config::HealthCheck check;
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false), "");
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n", false),
            "status 503");
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\n", false), "incomplete");
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\n", true),
            "closed before a complete response head");
  check.body_contains = "ready";
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready", false),
            "");
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nre", false),
            "incomplete");
  EXPECT_EQ(HealthProbe::judge(check, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbusy", false),
            "body does not contain \"ready\"");
}

}  // namespace
}  // namespace floodgate::upstream
