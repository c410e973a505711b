#include "status/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace floodgate::status {
namespace {

std::string tempDatabase() {
  char dir[] = "/tmp/fg_status_XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return std::string(dir) + "/status.db";
}

std::unique_ptr<Store> openStore(const std::string& path = ":memory:") {
  auto store = Store::open(path);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error());
  return std::move(*store);
}

TEST(Store, MigratesAFreshDatabaseToTheCurrentVersionInWalMode) {
  std::string path = tempDatabase();
  auto store = openStore(path);
  EXPECT_EQ(store->schemaVersion(), Store::currentSchemaVersion());
  store.reset();
  auto db = Database::open(path);
  ASSERT_TRUE(db.ok());
  Statement s((*db)->handle(), "PRAGMA journal_mode");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "wal");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Store, RefusesADatabaseFromANewerFloodgate) {
  std::string path = tempDatabase();
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("PRAGMA user_version=99").ok());
  }
  auto store = Store::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("newer"), std::string::npos) << store.error();
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Store, SyncKeepsStatusAndFollowsTheConfiguredNames) {
  auto store = openStore();
  ASSERT_TRUE(store->syncComponents({{"api", "API", "", 1}}, 1000).ok());
  ASSERT_TRUE(store->setComponentStatus("api", ComponentStatus::kMajorOutage, 2000).ok());
  ASSERT_TRUE(
      store->syncComponents({{"api", "Public API", "the API", 1}, {"web", "Web", "", 2}}, 3000)
          .ok());
  auto cs = store->components();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].name, "Public API");
  EXPECT_EQ(cs[0].status, ComponentStatus::kMajorOutage);
  EXPECT_EQ(cs[1].status, ComponentStatus::kOperational);
}

TEST(Store, MinutesRollIntoDaysOncePerMinute) {
  auto store = openStore();
  int64_t day = 20000;
  int64_t minute = day * 24 * 60;
  ASSERT_TRUE(store->recordMinute("api", minute, ComponentStatus::kOperational).ok());
  ASSERT_TRUE(store->recordMinute("api", minute, ComponentStatus::kMajorOutage).ok());  // ignored
  ASSERT_TRUE(store->recordMinute("api", minute + 1, ComponentStatus::kMajorOutage).ok());
  ASSERT_TRUE(store->recordMinute("api", minute + 2, ComponentStatus::kPartialOutage).ok());
  ASSERT_TRUE(store->recordMinute("api", minute + 3, ComponentStatus::kDegradedPerformance).ok());
  auto days = store->uptime("api", day - 1, day + 1);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].minutes, 4);
  EXPECT_EQ(days[0].major, 1);
  EXPECT_EQ(days[0].partial, 1);
  EXPECT_EQ(days[0].degraded, 1);
  EXPECT_DOUBLE_EQ(days[0].uptime(), 1.0 - 1.3 / 4);
}

TEST(Store, DaysOlderThanNinetyAreForgotten) {
  auto store = openStore();
  int64_t day = 20000;
  ASSERT_TRUE(store->recordMinute("api", day * 1440, ComponentStatus::kOperational).ok());
  ASSERT_TRUE(
      store->recordMinute("api", (day + kUptimeDays + 1) * 1440, ComponentStatus::kOperational)
          .ok());
  auto days = store->uptime("api", 0, day + 1000);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].day, day + kUptimeDays + 1);
}

TEST(Store, IncidentUpdatesMoveTheIncidentAndSurviveReopening) {
  std::string path = tempDatabase();
  std::string id;
  {
    auto store = openStore(path);
    Incident i;
    i.name = "Elevated errors";
    i.status = "investigating";
    i.impact = "minor";
    i.created_at = i.updated_at = i.started_at = 1000;
    i.component_ids = {"api"};
    IncidentUpdate first;
    first.status = "investigating";
    first.body = "Looking";
    first.created_at = 1000;
    auto created = store->createIncident(i, first);
    ASSERT_TRUE(created.ok());
    id = created->id;
    EXPECT_EQ(id.size(), 12u);
    IncidentUpdate u;
    u.status = "monitoring";
    u.body = "Fixed, watching";
    u.created_at = 2000;
    ASSERT_TRUE(store->addUpdate(id, u).ok());
    u.status = "resolved";
    u.body = "Done";
    u.created_at = 3000;
    ASSERT_TRUE(store->addUpdate(id, u, "", "major").ok());
  }
  auto store = openStore(path);
  auto got = store->incident(id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, "resolved");
  EXPECT_EQ(got->impact, "major");
  EXPECT_EQ(got->monitoring_at, 2000);
  EXPECT_EQ(got->resolved_at, 3000);
  ASSERT_EQ(got->updates.size(), 3u);
  EXPECT_EQ(got->updates[0].body, "Done");  // newest first
  EXPECT_EQ(got->updates[2].body, "Looking");
  EXPECT_EQ(got->component_ids, std::vector<std::string>{"api"});
  EXPECT_FALSE(store->addUpdate("nosuchincident", IncidentUpdate{}).ok());
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Store, AVisitorCountsOncePerComponentPerHour) {
  auto store = openStore();
  int64_t t = 3'600'000LL * 1000;
  EXPECT_TRUE(*store->addReport("api", "10.0.0.1", t));
  EXPECT_FALSE(*store->addReport("api", "10.0.0.1", t + 60'000));
  EXPECT_TRUE(*store->addReport("web", "10.0.0.1", t + 60'000));
  EXPECT_TRUE(*store->addReport("api", "10.0.0.1", t + 3'600'000));
  EXPECT_EQ(store->reportsBetween("api", t, t + 2 * 3'600'000), 2);
}

}  // namespace
}  // namespace floodgate::status
