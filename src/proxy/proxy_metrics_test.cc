#include "proxy/proxy_metrics.h"

#include <gtest/gtest.h>

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

config::Config twoRoutes() {
  auto loaded = config::loadConfigString(
      "listeners: [{ name: main, address: 127.0.0.1:8080 }, { name: alt, address: 127.0.0.1:8081 "
      "}]\n"
      "routes:\n"
      "  - { name: api, match: { path_prefix: /api }, cluster: app }\n"
      "  - { name: web, cluster: app }\n"
      "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n",
      "metrics.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.describeProblems();
  return *loaded.config;
}

TEST(ProxyMetricsTest, CountsByListenerRouteAndClass) {
  telemetry::Registry registry(2);
  config::Config config = twoRoutes();
  ProxyMetrics m(config, &registry);
  ASSERT_TRUE(m.enabled());
  EXPECT_EQ(m.listenerIndex("127.0.0.1:8081"), 1);
  EXPECT_EQ(m.listenerIndex("127.0.0.1:9999"), -1);
  m.countRequest(0, 0, 0, 200, true, milliseconds(3));
  m.countRequest(1, 1, 1, 503, true, milliseconds(30));
  m.countRequest(1, -1, -1, 400, false, {});      // refused before routing, listener unknown
  m.countRequest(0, 7, 42, 0, true, seconds(1));  // out of range: first listener, no route, 5xx
  auto count = [&](telemetry::Labels labels) { return registry.sum(names::kRequests, labels); };
  EXPECT_EQ(count({{"listener", "main"}, {"route", "api"}, {"code", "2xx"}}), 1);
  EXPECT_EQ(count({{"listener", "alt"}, {"route", "web"}, {"code", "5xx"}}), 1);
  EXPECT_EQ(count({{"listener", "main"}, {"route", "none"}, {"code", "4xx"}}), 1);
  EXPECT_EQ(count({{"listener", "main"}, {"route", "none"}, {"code", "5xx"}}), 1);
  EXPECT_EQ(count({}), 4);
  EXPECT_EQ(registry.merged(names::kRequestDuration).count(), 3u);  // the untimed one is not

  m.countUpstream(0, 0, 3, true, milliseconds(5));
  m.countUpstream(1, 0, 1, false, {});
  m.countUpstream(1, 5, 1, true, {});  // no such cluster: ignored
  EXPECT_EQ(registry.sum(names::kUpstreamAttempts, {{"cluster", "app"}}), 4);
  EXPECT_EQ(registry.sum(names::kDownstreamRequests, {{"cluster", "app"}}), 2);
  EXPECT_EQ(registry.merged(names::kUpstreamDuration).count(), 1u);
}

TEST(ProxyMetricsTest, AReloadKeepsTheSeriesAndChangesTheGeneration) {
  telemetry::Registry registry(1);
  config::Config config = twoRoutes();
  ProxyMetrics before(config, &registry);
  before.countRequest(0, 0, 0, 200, true, milliseconds(1));
  ProxyMetrics after(config, &registry);
  after.countRequest(0, 0, 0, 200, true, milliseconds(1));
  EXPECT_NE(before.generation(), after.generation());
  EXPECT_EQ(registry.sum(names::kRequests, {{"route", "api"}, {"code", "2xx"}}), 2);
  EXPECT_FALSE(ProxyMetrics().enabled());
  ProxyMetrics().countRequest(0, 0, 0, 200, true, {});  // records nothing, safely
}

}  // namespace
}  // namespace floodgate::proxy
