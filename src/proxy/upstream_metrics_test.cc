#include "proxy/upstream_metrics.h"

#include <gtest/gtest.h>

#include "upstream/test_support.h"

namespace floodgate::proxy {
namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(UpstreamMetricsTest, EndpointLevelAndClusterSeriesFollowTheControlSide) {
  ManualClock clock;
  std::shared_ptr<const upstream::UpstreamView> view;
  upstream::UpstreamControl control(
      upstream::testing::twoLevels(), 1, [&](auto v) { view = v; }, clock);
  telemetry::Registry registry(1);
  UpstreamMetrics metrics(&registry);

  metrics.refresh(control);
  std::string text = registry.exposition();
  EXPECT_TRUE(has(text, R"(floodgate_upstream_endpoint_healthy{cluster="app",endpoint="127.0.0.1:9000",level="0"} 1)"))
      << text;
  EXPECT_TRUE(has(text, R"(floodgate_upstream_endpoint_ejected{cluster="app",endpoint="127.0.0.1:9000",level="0"} 0)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_level_healthy_endpoints{cluster="app",level="0"} 1)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_failovers_total{cluster="app"} 0)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_panic{cluster="app"} 0)"));
  EXPECT_TRUE(has(text, "# TYPE floodgate_upstream_ejections_total counter"));
  EXPECT_TRUE(has(text, "# TYPE floodgate_upstream_endpoint_healthy gauge"));

  // The primary fails five connects in a row: ejected, its level empty, traffic fails over.
  auto shared = view->clusters[0].shared;
  shared->endpoint(0).consecutive_gateway.store(5);
  control.tick();
  auto& k = shared->counters();
  k.failovers.store(7);
  k.retries.store(3);
  k.shed.store(2);
  k.shed_by_class[0].store(2);
  metrics.refresh(control);
  text = registry.exposition();
  EXPECT_TRUE(has(text, R"(floodgate_upstream_endpoint_ejected{cluster="app",endpoint="127.0.0.1:9000",level="0"} 1)"))
      << text;
  EXPECT_TRUE(has(text, R"(floodgate_upstream_ejections_total{cluster="app",endpoint="127.0.0.1:9000"} 1)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_level_healthy_endpoints{cluster="app",level="0"} 0)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_level_healthy_endpoints{cluster="app",level="1"} 1)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_failovers_total{cluster="app"} 7)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_retries_total{cluster="app"} 3)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_shed_total{cluster="app",class="known_good"} 2)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_shed_total{cluster="app",class="suspicious"} 0)"));

  // The operator drains the alternate too: nothing is left, the cluster panics.
  ASSERT_TRUE(control.drainEndpoint("127.0.0.1:9001").ok());
  metrics.refresh(control);
  text = registry.exposition();
  EXPECT_TRUE(has(text, R"(floodgate_upstream_endpoint_draining{cluster="app",endpoint="127.0.0.1:9001",level="1"} 1)"))
      << text;
  EXPECT_TRUE(has(text, R"(floodgate_upstream_level_healthy_endpoints{cluster="app",level="1"} 0)"));
  EXPECT_TRUE(has(text, R"(floodgate_upstream_panic{cluster="app"} 1)"));
  EXPECT_EQ(registry.sum("floodgate_upstream_shed_total", {{"cluster", "app"}}), 2);

  // A reload removes the alternate (a control built from the new config, as after reload): its series are gone from the next scrape, the primary's stay.
  auto one_level = std::make_shared<config::Config>(*upstream::testing::twoLevels());
  one_level->clusters[0].endpoints.pop_back();
  one_level->clusters[0].levels.pop_back();
  upstream::UpstreamControl reloaded(one_level, 1, [&](auto v) { view = v; }, clock);
  metrics.refresh(reloaded);
  text = registry.exposition();
  EXPECT_EQ(text.find("127.0.0.1:9001"), std::string::npos) << text;
  EXPECT_EQ(text.find(R"(level="1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(floodgate_upstream_endpoint_healthy{cluster="app",endpoint="127.0.0.1:9000",level="0"})"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace floodgate::proxy
