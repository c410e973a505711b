#include "status/engine.h"

#include <gtest/gtest.h>

namespace floodgate::status {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() {
    auto s = Store::open(":memory:");
    EXPECT_TRUE(s.ok());
    store_ = std::move(*s);
    options_.worse_after = 2;
    options_.better_after = 3;
    options_.resolve_after = 5;
    restart();
  }

  void restart() {
    engine_ = std::make_unique<StatusEngine>(
        store_.get(), clock_, options_,
        std::vector<Component>{{"api", "API", "The public API"}, {"web", "Website", ""}});
    ASSERT_TRUE(engine_->start().ok());
  }

  // `n` seconds of the same signals for "api" (and a healthy "web").
  void seconds(int n, const Signals& api) {
    for (int i = 0; i < n; ++i) {
      clock_.advance(std::chrono::seconds(1));
      engine_->observe("api", api);
      engine_->observe("web", healthy());
      engine_->tick();
    }
  }

  static Signals healthy() { return Signals{1, 1, 100, 0, 20}; }
  static Signals down() { return Signals{0, 1, 0, 0, 0}; }

  ComponentStatus apiStatus() { return engine_->component("api")->status; }
  std::vector<Incident> openIncidents() {
    IncidentQuery q;
    q.open_only = true;
    return store_->incidents(q);
  }

  ManualClock clock_;
  EngineOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StatusEngine> engine_;
};

TEST_F(EngineTest, AnUnreachableComponentOpensAnIncidentThatResolvesAfterRecovery) {
  std::vector<std::string> events;
  engine_->setEventSink(
      [&](const std::string& kind, const std::string& subject, const std::string& message) {
        events.push_back(kind + " " + subject + " " + message.substr(0, message.find('.')));
      });
  seconds(3, healthy());
  EXPECT_TRUE(openIncidents().empty());
  seconds(1, down());
  EXPECT_EQ(apiStatus(), ComponentStatus::kOperational);  // one second is not an outage
  seconds(1, down());
  EXPECT_EQ(apiStatus(), ComponentStatus::kMajorOutage);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].name, "Major outage of API");
  EXPECT_EQ(open[0].status, "investigating");
  EXPECT_EQ(open[0].impact, "critical");
  EXPECT_TRUE(open[0].automatic);
  EXPECT_EQ(open[0].component_ids, std::vector<std::string>{"api"});
  ASSERT_EQ(open[0].updates.size(), 1u);
  EXPECT_EQ(open[0].updates[0].body,
            "API is unreachable: its endpoint does not accept connections.");
  EXPECT_EQ(open[0].updates[0].affected_components[0].new_status, "major_outage");
  EXPECT_EQ(engine_->component("web")->status, ComponentStatus::kOperational);

  seconds(10, down());  // nothing new to say: no new updates
  EXPECT_EQ(store_->incident(open[0].id)->updates.size(), 1u);

  seconds(2, healthy());
  EXPECT_EQ(apiStatus(), ComponentStatus::kMajorOutage);
  seconds(1, healthy());
  EXPECT_EQ(apiStatus(), ComponentStatus::kOperational);
  auto monitoring = store_->incident(open[0].id);
  EXPECT_EQ(monitoring->status, "monitoring");
  EXPECT_TRUE(monitoring->monitoring_at.has_value());
  seconds(4, healthy());
  EXPECT_EQ(store_->incident(open[0].id)->status, "monitoring");
  seconds(2, healthy());
  auto resolved = store_->incident(open[0].id);
  EXPECT_EQ(resolved->status, "resolved");
  EXPECT_TRUE(resolved->resolved_at.has_value());
  EXPECT_EQ(resolved->updates.size(), 3u);
  EXPECT_TRUE(openIncidents().empty());
  std::string id = open[0].id;
  EXPECT_EQ(events, (std::vector<std::string>{
                        "status.component api API: operational -> major_outage",
                        "status.incident " + id + " opened: Major outage of API",
                        "status.component api API: major_outage -> operational",
                        "status.incident " + id + " monitoring: Major outage of API",
                        "status.incident " + id + " resolved: Major outage of API",
                    }));
}

TEST_F(EngineTest, ErrorRatesEscalateTheSameIncident) {
  seconds(2, Signals{1, 1, 100, 20, 30});  // 20% errors
  EXPECT_EQ(apiStatus(), ComponentStatus::kPartialOutage);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].name, "Partial outage of API");
  EXPECT_NE(open[0].updates[0].body.find("Elevated error rates on API: 20% of requests failed"),
            std::string::npos)
      << open[0].updates[0].body;
  seconds(2, Signals{1, 1, 100, 80, 30});
  auto escalated = store_->incident(open[0].id);
  EXPECT_EQ(escalated->name, "Major outage of API");
  EXPECT_EQ(escalated->impact, "critical");
  EXPECT_EQ(escalated->status, "identified");
  EXPECT_EQ(openIncidents().size(), 1u);
}

TEST_F(EngineTest, FailoverIsToldInPlainWords) {
  Signals s{1, 2, 100, 15, 30};
  s.failed_over = true;
  seconds(2, s);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_NE(open[0].updates[0].body.find("Traffic moved to the alternate path at "),
            std::string::npos)
      << open[0].updates[0].body;
  EXPECT_NE(open[0].updates[0].body.find("UTC."), std::string::npos);
}

TEST_F(EngineTest, OnTheAlternatePathAComponentIsDegradedNotDown) {
  Signals s{1, 2, 100, 0, 20};  // the primary's endpoint is gone, the alternate serves all
  s.failed_over = true;
  seconds(2, s);
  EXPECT_EQ(apiStatus(), ComponentStatus::kDegradedPerformance);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].name, "Degraded performance of API");
  EXPECT_EQ(open[0].impact, "minor");
  const std::string& body = open[0].updates[0].body;
  EXPECT_EQ(body.find("API runs on its alternate path: its primary path is unavailable. "
                      "Traffic moved to the alternate path at "),
            0u)
      << body;

  s.shed = 10;  // the alternate is full: a tenth of the users are asked to come back later
  seconds(2, s);
  EXPECT_EQ(apiStatus(), ComponentStatus::kPartialOutage);
  auto escalated = store_->incident(open[0].id);
  EXPECT_EQ(escalated->name, "Partial outage of API");
  EXPECT_NE(escalated->updates.front().body.find(  // the newest first
                "Capacity is short: 10% of requests to API were asked to retry later."),
            std::string::npos)
      << escalated->updates.front().body;
}

TEST_F(EngineTest, AnAttackIsAnIncidentEvenWhileTheOriginIsHealthy) {
  Signals attack = healthy();
  attack.under_attack = true;
  seconds(2, attack);
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].status, "investigating");
  attack.mitigated = true;
  seconds(1, attack);
  auto mitigated = store_->incident(open[0].id);
  EXPECT_EQ(mitigated->status, "identified");
  EXPECT_NE(mitigated->updates[0].body.find("is filtering it"), std::string::npos)
      << mitigated->updates[0].body;
  seconds(3 + 1 + 5, healthy());
  EXPECT_EQ(store_->incident(open[0].id)->status, "resolved");
}

TEST_F(EngineTest, MaintenanceWindowsShowAndComplete) {
  int64_t t = engine_->now();
  auto m = engine_->scheduleMaintenance("Database upgrade", "We upgrade the database.", t + 3'000,
                                        t + 20'000, {"api"});
  ASSERT_TRUE(m.ok()) << m.error();
  seconds(2, healthy());
  EXPECT_EQ(apiStatus(), ComponentStatus::kOperational);
  EXPECT_EQ(store_->incident(m->id)->status, "scheduled");
  seconds(9, down());  // the origin is stopped for the maintenance: no outage incident
  EXPECT_EQ(apiStatus(), ComponentStatus::kUnderMaintenance);
  EXPECT_EQ(store_->incident(m->id)->status, "in_progress");
  EXPECT_TRUE(openIncidents().size() == 1u && openIncidents()[0].maintenance);
  seconds(10, healthy());
  EXPECT_EQ(store_->incident(m->id)->status, "completed");
  EXPECT_EQ(apiStatus(), ComponentStatus::kOperational);
  EXPECT_FALSE(engine_->scheduleMaintenance("x", "y", t + 5, t + 1, {"api"}).ok());
  EXPECT_FALSE(engine_->scheduleMaintenance("x", "y", t + 50'000, t + 60'000, {"db"}).ok());
}

TEST_F(EngineTest, ASpikeOfVisitorReportsOpensAnInvestigation) {
  seconds(1, healthy());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(*engine_->report("api", "10.0.0." + std::to_string(i)));
  }
  EXPECT_FALSE(*engine_->report("api", "10.0.0.0"));  // once per client per hour
  EXPECT_FALSE(engine_->report("nope", "10.0.0.9").ok());
  seconds(1, healthy());
  EXPECT_TRUE(openIncidents().empty());  // four reports are not a spike
  EXPECT_TRUE(*engine_->report("api", "10.0.0.4"));
  seconds(2, healthy());  // weighed at the next tick, followed at the next observation
  auto open = openIncidents();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].name, "Visitors report problems with API");
  EXPECT_EQ(open[0].status, "investigating");
  EXPECT_EQ(apiStatus(), ComponentStatus::kOperational);
}

TEST(ReportSpike, ComparesWithTheUsualLevel) {
  EngineOptions o;
  EXPECT_FALSE(reportSpike(4, 0, o));
  EXPECT_TRUE(reportSpike(5, 0, o));
  EXPECT_FALSE(reportSpike(10, 960, o));  // usually 10 per quarter hour
  EXPECT_TRUE(reportSpike(40, 960, o));
}

TEST_F(EngineTest, ARestartKeepsTheOutageAndItsIncident) {
  seconds(2, down());
  ASSERT_EQ(openIncidents().size(), 1u);
  std::string id = openIncidents()[0].id;
  restart();
  EXPECT_EQ(apiStatus(), ComponentStatus::kMajorOutage);
  seconds(3, healthy());
  EXPECT_EQ(store_->incident(id)->status, "monitoring");
  seconds(6, healthy());
  EXPECT_EQ(store_->incident(id)->status, "resolved");
}

TEST_F(EngineTest, TodaysBarCountsTheMinuteBeingSampled) {
  seconds(1, down());
  seconds(1, down());
  auto days = engine_->uptime("api", kUptimeDays);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].day, engine_->now() / kDayMs);
  EXPECT_EQ(days[0].minutes, 1);
  EXPECT_EQ(days[0].major, 1);
  EXPECT_TRUE(store_->uptime("api", 0, days[0].day).empty());  // not stored until it ends
}

TEST_F(EngineTest, EachMinuteIsSampledIntoTheDay) {
  seconds(120, down());
  int64_t day = engine_->now() / kDayMs;
  auto days = store_->uptime("api", day - 1, day);
  ASSERT_FALSE(days.empty());
  int minutes = 0, major = 0;
  for (const auto& d : days) {
    minutes += d.minutes;
    major += d.major;
  }
  EXPECT_GE(minutes, 1);
  EXPECT_GE(major, 1);
}

TEST_F(EngineTest, OperatorIncidentsAreValidated) {
  EXPECT_FALSE(engine_->createIncident("x", "bogus", "minor", "b", {}).ok());
  EXPECT_FALSE(engine_->createIncident("x", "investigating", "huge", "b", {}).ok());
  EXPECT_FALSE(engine_->createIncident("x", "investigating", "minor", "b", {"db"}).ok());
  EXPECT_TRUE(openIncidents().empty());
  auto i = engine_->createIncident("Slow logins", "identified", "minor", "We found it.", {"web"});
  ASSERT_TRUE(i.ok());
  EXPECT_FALSE(engine_->updateIncident(i->id, "scheduled", "b").ok());
  EXPECT_FALSE(engine_->updateIncident("nope", "resolved", "b").ok());
  auto r = engine_->updateIncident(i->id, "resolved", "Fixed.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->updates.size(), 2u);
  EXPECT_FALSE(r->open());
}

}  // namespace
}  // namespace floodgate::status
