#include "config/status_section.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace floodgate::config {
namespace {

const char* kBase = R"(
listeners: [{ address: 127.0.0.1:0 }]
clusters:
  - { name: api, endpoints: [127.0.0.1:9000, 127.0.0.1:9001] }
  - { name: web, endpoints: [127.0.0.1:9002] }
routes:
  - { name: api, match: { path_prefix: /api }, cluster: api }
  - { name: site, cluster: web }
)";

TEST(StatusSection, ComponentsTiedToClustersRoutesAndEndpoints) {
  auto r = loadConfigString(std::string(kBase) + R"(
status:
  listen: 127.0.0.1:0
  title: Acme
  database: /tmp/x/status.db
  worse_after: 2s
  components:
    - { name: Public API, description: The API, clusters: [api] }
    - { name: Website, routes: [site], endpoints: [127.0.0.1:9001] }
)",
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const auto& s = r.config->status;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.title, "Acme");
  EXPECT_EQ(s.database, "/tmp/x/status.db");
  EXPECT_EQ(s.worse_after, seconds(2));
  ASSERT_EQ(s.components.size(), 2u);
  EXPECT_EQ(s.components[0].id, "public-api");
  EXPECT_EQ(s.components[0].cluster_indexes, std::vector<int>{0});
  EXPECT_EQ(s.components[1].route_indexes, std::vector<int>{1});
  EXPECT_EQ(s.components[1].endpoints.size(), 1u);
}

TEST(StatusSection, WatchedClustersWithoutHealthChecksGetATcpCheck) {
  auto r = loadConfigString(std::string(R"(
listeners: [{ address: 127.0.0.1:0 }]
clusters:
  - { name: api, endpoints: [127.0.0.1:9000] }
  - name: web
    endpoints: [127.0.0.1:9002]
    health_check: { type: http, path: /healthz }
  - { name: batch, endpoints: [127.0.0.1:9004] }
routes:
  - { name: api, match: { path_prefix: /api }, cluster: api }
  - { name: batch, match: { path_prefix: /batch }, cluster: batch }
  - { name: site, cluster: web }
status:
  listen: 127.0.0.1:0
  components: [{ name: API, routes: [api] }, { name: Web, clusters: [web] }]
)"),
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const auto& api = r.config->clusters[0].health_check;
  EXPECT_EQ(api.type, HealthCheck::Type::kTcp);  // watched through its route
  EXPECT_EQ(api.interval, kImpliedCheckInterval);
  EXPECT_LT(api.timeout, api.interval);
  EXPECT_EQ(r.config->clusters[1].health_check.type, HealthCheck::Type::kHttp);  // its own kept
  EXPECT_EQ(r.config->clusters[1].health_check.path, "/healthz");
  EXPECT_EQ(r.config->clusters[2].health_check.type, HealthCheck::Type::kNone);  // unwatched

  auto without = loadConfigString(std::string(kBase), "t.yaml");  // no status page: no checks
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without.config->clusters[0].health_check.type, HealthCheck::Type::kNone);
}

TEST(StatusSection, AnEndpointOutsideEveryClusterIsRefused) {
  auto r = loadConfigString(std::string(kBase) + R"(
status:
  listen: 127.0.0.1:0
  components: [{ name: Edge, endpoints: [127.0.0.1:9100] }]
)",
                            "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("\"127.0.0.1:9100\" is in no cluster"), std::string::npos)
      << r.describeProblems();
}

TEST(StatusSection, WithoutComponentsOnePerCluster) {
  auto r = loadConfigString(std::string(kBase) + "status: { listen: 127.0.0.1:0 }\n", "t.yaml");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  ASSERT_EQ(r.config->status.components.size(), 2u);
  EXPECT_EQ(r.config->status.components[1].id, "web");
}

TEST(StatusSection, MistakesAreReportedWithWhere) {
  auto r = loadConfigString(std::string(kBase) + R"(
status:
  listen: nowhere
  colour: blue
  components:
    - { name: API, clusters: [apx] }
    - { name: api }
    - { name: Web, routes: [nope], endpoints: [10.0.0.1] }
)",
                            "t.yaml");
  ASSERT_FALSE(r.ok());
  std::string p = r.describeProblems();
  EXPECT_NE(p.find("t.yaml:11:11: status.listen \"nowhere\""), std::string::npos) << p;
  EXPECT_NE(p.find("colour"), std::string::npos) << p;
  EXPECT_NE(p.find("no cluster named \"apx\""), std::string::npos) << p;
  EXPECT_NE(p.find("two components are named \"api\""), std::string::npos) << p;
  EXPECT_NE(p.find("no route named \"nope\""), std::string::npos) << p;
  EXPECT_NE(p.find("\"10.0.0.1\""), std::string::npos) << p;
}

TEST(StatusSection, QuickStartMakesOneComponentPerUpstream) {
  QuickStart qs;
  qs.listen = "127.0.0.1:0";
  qs.to = {"127.0.0.1:9000", "127.0.0.1:9001"};
  qs.status = "127.0.0.1:0";
  auto r = quickStartConfig(qs);
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  ASSERT_EQ(r.config->status.components.size(), 2u);
  EXPECT_EQ(r.config->status.components[0].id, "upstream-127-0-0-1-9000");
  EXPECT_EQ(r.config->status.components[1].endpoints[0].address_text, "127.0.0.1:9001");
  EXPECT_EQ(r.config->clusters[0].health_check.type, HealthCheck::Type::kTcp);
  qs.status = "bogus";
  EXPECT_FALSE(quickStartConfig(qs).ok());
}

TEST(StatusSection, ComponentIds) {
  EXPECT_EQ(componentId("Public API"), "public-api");
  EXPECT_EQ(componentId("  EU / West  "), "eu-west");
  EXPECT_EQ(componentId("!!"), "");
}

}  // namespace
}  // namespace floodgate::config
