#include "origin/source_table.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "origin/control_query.h"

namespace floodgate::origin {
namespace {

void hit(SourceTable* t, std::string_view source, int status, bool over_capacity = false) {
  SourceCounters* c = t->find(source);
  t->countRequest(c);
  t->countOutcome(c, outcomeOf(status, over_capacity), 100);
}

TEST(SourceTable, CountsPerSourceAndInTotal) {
  SourceBudget budget(10);
  SourceTable t(&budget);
  hit(&t, "127.0.0.5", 200);
  hit(&t, "127.0.0.5", 503, true);
  hit(&t, "127.0.0.6", 500);
  hit(&t, "127.0.0.6", 404);
  const SourceCounters* a = t.find("127.0.0.5");
  EXPECT_EQ(a->requests, 2u);
  EXPECT_EQ(a->served, 1u);
  EXPECT_EQ(a->rejected, 1u);
  EXPECT_EQ(a->bytes, 200u);
  const SourceCounters* b = t.find("127.0.0.6");
  EXPECT_EQ(b->failed, 1u);
  EXPECT_EQ(b->served, 0u);
  EXPECT_EQ(t.totals().requests, 4u);
  EXPECT_EQ(t.totals().served, 1u);
  EXPECT_EQ(t.totals().rejected, 1u);
  EXPECT_EQ(t.totals().failed, 1u);
  EXPECT_EQ(t.tracked(), 2u);
}

TEST(SourceTable, BeyondTheBudgetSourcesCountAsOther) {
  SourceBudget budget(3);
  SourceTable t(&budget);
  for (int i = 0; i < 1000; ++i) hit(&t, "10.0.0." + std::to_string(i % 250), 200);
  EXPECT_EQ(t.tracked(), 3u);
  EXPECT_EQ(t.other().requests, 1000u - 3 * 4);  // each tracked source came 4 times
  EXPECT_EQ(t.totals().requests, 1000u);
}

TEST(SourceTable, TheBudgetIsSharedByAllWorkers) {
  SourceBudget budget(4);
  SourceTable a(&budget), b(&budget);
  for (int i = 0; i < 10; ++i) {
    hit(&a, "10.0.1." + std::to_string(i), 200);
    hit(&b, "10.0.2." + std::to_string(i), 200);
  }
  EXPECT_EQ(a.tracked() + b.tracked(), 4u);
  a.clear();  // gives its share back
  for (int i = 0; i < 10; ++i) hit(&b, "10.0.3." + std::to_string(i), 200);
  EXPECT_EQ(b.tracked(), 4u);
}

TEST(SourceTable, OverlongSourcesCountAsOther) {
  SourceBudget budget(10);
  SourceTable t(&budget);
  hit(&t, std::string(100, 'x'), 200);
  EXPECT_EQ(t.tracked(), 0u);
  EXPECT_EQ(t.other().requests, 1u);
}

TEST(SourceTable, ClearZeroesAndSourceRefsFollow) {
  SourceBudget budget(10);
  SourceTable t(&budget);
  SourceRef ref;
  ref.bind(&t, "127.0.0.9");
  t.countRequest(ref.counters);
  uint64_t before = t.generation();
  t.clear();
  EXPECT_NE(t.generation(), before);
  EXPECT_EQ(t.totals().requests, 0u);
  // The request is answered after the reset: its counters are looked up again, not reused.
  t.countOutcome(ref.get(&t), Outcome::kServed, 10);
  EXPECT_EQ(t.find("127.0.0.9")->served, 1u);
  EXPECT_EQ(t.tracked(), 1u);
}

TEST(SourceTable, CollectFiltersByPrefixAndMergeAddsUpWorkers) {
  SourceBudget budget(100);
  SourceTable a(&budget), b(&budget);
  hit(&a, "127.1.0.1", 200);
  hit(&a, "127.2.0.1", 200);
  hit(&b, "127.1.0.1", 503, true);
  hit(&b, "127.1.0.2", 200);
  std::vector<SourceEntry> entries;
  a.collect("127.1.", &entries);
  b.collect("127.1.", &entries);
  ASSERT_EQ(entries.size(), 3u);
  mergeSources(&entries);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key.view(), "127.1.0.1");
  EXPECT_EQ(entries[0].counters.requests, 2u);
  EXPECT_EQ(entries[0].counters.served, 1u);
  EXPECT_EQ(entries[0].counters.rejected, 1u);
  EXPECT_EQ(entries[1].key.view(), "127.1.0.2");
}

TEST(StatsJson, RendersTotalsSourcesAndOther) {
  ControlQuery q;
  q.totals = {5, 3, 1, 0, 500};
  q.other = {2, 1, 1, 0, 200};
  q.tracked = 1;
  SourceEntry e;
  e.key.assign("127.0.0.5");
  e.counters = {3, 2, 0, 0, 300};
  q.sources.push_back(e);
  StatsHeader h;
  h.name = "api \"1\"";
  h.uptime_s = 1.5;
  h.in_flight = 2;
  auto j = nlohmann::json::parse(renderStats(h, q));
  EXPECT_EQ(j["name"], "api \"1\"");
  EXPECT_EQ(j["requests"], 5);
  EXPECT_EQ(j["served"], 3);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["in_flight"], 2);
  EXPECT_DOUBLE_EQ(j["uptime_s"].get<double>(), 1.5);
  EXPECT_EQ(j["sources"]["127.0.0.5"]["served"], 2);
  EXPECT_EQ(j["sources"]["other"]["requests"], 2);

  q.summary = true;
  auto s = nlohmann::json::parse(renderStats(h, q));
  EXPECT_FALSE(s.contains("sources"));
  EXPECT_EQ(s["requests"], 5);

  q.summary = false;
  q.prefix = "127.";
  EXPECT_FALSE(nlohmann::json::parse(renderStats(h, q))["sources"].contains("other"));
}

}  // namespace
}  // namespace floodgate::origin
