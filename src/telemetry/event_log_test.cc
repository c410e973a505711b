#include "telemetry/event_log.h"

#include <gtest/gtest.h>

#include <thread>

namespace floodgate::telemetry {
namespace {

TEST(EventLogTest, PushesWithIdsTimeAndEvidence) {
  ManualClock clock;
  EventLog log(10, clock);
  uint64_t id =
      log.push("rule.enforced", "source 203.0.113.7", "blocked for 60 s", {{"rate", 950.5}});
  EXPECT_EQ(id, 1u);
  clock.advance(milliseconds(1250));
  log.push("finding", "overall", "volume anomaly");
  auto events = log.since(0);
  ASSERT_EQ(events.size(), 2u);
  nlohmann::json j = events[0].toJson();
  EXPECT_EQ(j["id"], 1);
  EXPECT_EQ(j["kind"], "rule.enforced");
  EXPECT_EQ(j["subject"], "source 203.0.113.7");
  EXPECT_EQ(j["evidence"]["rate"], 950.5);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:21.000Z");  // ManualClock starts at 1'700'000'001'000
  EXPECT_EQ(events[1].toJson()["time"], "2023-11-14T22:13:22.250Z");
}

TEST(EventLogTest, SinceAndKindFilter) {
  EventLog log(100);
  log.push("rule.enforced", "a", "");
  log.push("finding", "b", "");
  log.push("rule.expired", "a", "");
  log.push("rules", "c", "");  // not a "rule" event
  EXPECT_EQ(log.since(1).size(), 3u);
  EXPECT_EQ(log.since(4).size(), 0u);
  auto rules = log.since(0, "rule");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].id, 1u);
  EXPECT_EQ(rules[1].id, 3u);
  EXPECT_EQ(log.since(0, "rule.expired").size(), 1u);
  EXPECT_EQ(log.since(0, {}, 2).size(), 2u);
  EXPECT_EQ(log.lastId(), 4u);
}

TEST(EventLogTest, StaysBoundedAndKeepsTheNewest) {
  EventLog log(3);
  for (int i = 0; i < 10; ++i) log.push("k", std::to_string(i), "");
  auto events = log.since(0);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, 8u);
  EXPECT_EQ(events[2].subject, "9");
  EXPECT_EQ(log.since(8).size(), 2u);
}

TEST(EventLogTest, SubscribersSeeEveryPushFromAnyThread) {
  EventLog log(16);
  std::atomic<int> seen{0};
  std::atomic<uint64_t> max_id{0};
  log.subscribe([&](const Event& e) {
    ++seen;
    uint64_t prev = max_id.load();
    while (e.id > prev && !max_id.compare_exchange_weak(prev, e.id)) {
    }
  });
  log.subscribe([](const Event&) { throw std::runtime_error("a broken subscriber"); });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log] {
      for (int i = 0; i < 50; ++i) log.push("k", "s", "m");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.load(), 200);
  EXPECT_EQ(max_id.load(), 200u);
  EXPECT_EQ(log.since(0).size(), 16u);
}

}  // namespace
}  // namespace floodgate::telemetry
