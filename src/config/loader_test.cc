#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"

namespace floodgate::config {
namespace {

// A valid head that cases extend from line 6 on.
const std::string kHead = R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    endpoints: [127.0.0.1:9000]
)";

LoadResult load(const std::string& yaml) { return loadConfigString(yaml, "test.yaml"); }

std::string describe(const LoadResult& r) { return r.describeProblems(); }

struct BadConfig {
  std::string name;
  std::string yaml;
  std::string message;  // a substring of the problem's message
  int line;
  int column;
};

// Each broken config, the problem it must produce and where. Columns count from 1, as an
// editor shows them.
const BadConfig kBadConfigs[] = {
    {"unknown top-level key", kHead + "listner: 1\n",
     R"(unknown top-level key "listner"; did you mean "listeners"? (allowed: listeners, routes,)",
     6, 1},
    {"listener address without port", "listeners:\n  - address: 10.0.0.1\n",
     R"(listener "listener-0": address "10.0.0.1" needs a port (e.g. 10.0.0.1:8080))", 2, 14},
    {"listener address with host name", "listeners:\n  - address: example.com:80\n",
     "listen on an IP address, e.g. 0.0.0.0:8080", 2, 14},
    {"listener address port only", "listeners:\n  - address: 8080\n",
     R"(address "8080" needs a host as well as the port (e.g. 0.0.0.0:8080))", 2, 14},
    {"listener address unquoted ipv6", "listeners:\n  - address: [::1]:8080\n",
     R"(YAML syntax error: end of map not found; an address starting with "[" must be quoted)", 2,
     19},
    {"workers out of range", "listeners:\n  - address: 127.0.0.1:8080\n    workers: 300\n",
     R"(listener "listener-0": workers must be from 0 to 256, not 300)", 3, 14},
    {"workers not a number", "listeners:\n  - address: 127.0.0.1:8080\n    workers: two\n",
     R"(workers: "two" is not a whole number; write a number from 0 to 256)", 3, 14},
    {"listeners is a map", "listeners:\n  address: 127.0.0.1:8080\n",
     R"(listeners must be a list, each item starting with "- ")", 2, 3},
    {"listeners missing", "clusters: []\n", "listeners is missing (e.g. listeners:", 1, 1},
    {"listeners empty", "listeners: []\n", "listeners is empty; add at least one", 1, 12},
    {"listener without address", "listeners:\n  - name: pub\n",
     R"(listener "pub": address is missing (e.g. address: 0.0.0.0:8080))", 2, 5},
    {"duplicate listener address", R"(listeners:
  - name: a
    address: 127.0.0.1:8080
  - name: b
    address: 127.0.0.1:8080
)",
     R"(listener "b": address 127.0.0.1:8080 is already used by listener "a" (line 2))", 5, 14},
    {"wildcard overlaps listener", R"(listeners:
  - name: a
    address: 0.0.0.0:8080
  - name: b
    address: 127.0.0.1:8080
)",
     "overlaps listener \"a\" (line 2) on 0.0.0.0:8080, as 0.0.0.0 covers every interface", 5, 14},
    {"endpoint without port", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: api
    endpoints: [127.0.0.1:9000, 10.0.0.1]
)",
     R"(cluster "api": endpoint "10.0.0.1" needs a port (e.g. 10.0.0.1:8080))", 5, 33},
    {"endpoint with scheme", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: api
    endpoints:
      - http://127.0.0.1:9000
)",
     R"(endpoint "http://127.0.0.1:9000": write host:port without a scheme)", 6, 9},
    {"endpoint port 0", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: api
    endpoints: ["127.0.0.1:0"]
)",
     "port must be from 1 to 65535, not 0", 5, 17},
    {"endpoint is a map", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: api
    endpoints:
      - { address: 127.0.0.1:9000 }
)",
     "cluster \"api\": endpoints[0] must be an address such as 127.0.0.1:9000, not a map", 6, 9},
    {"endpoint loops into own listener", R"(listeners:
  - address: 0.0.0.0:8080
clusters:
  - name: web
    endpoints: [127.0.0.1:8080]
)",
     R"(endpoint "127.0.0.1:8080" is floodgate's own listener "listener-0"; requests would loop)",
     5, 17},
    {"endpoint listed twice", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    endpoints: [127.0.0.1:9000, "localhost:9000"]
)",
     R"(endpoint "localhost:9000" is listed twice (as "127.0.0.1:9000"))", 5, 33},
    {"endpoints not a list", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    endpoints: 127.0.0.1:9000
)",
     R"(cluster "web": endpoints must be a list, each item starting with "- ")", 5, 16},
    {"endpoints empty", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    endpoints: []
)",
     R"(cluster "web": endpoints is empty; list at least one upstream address)", 5, 16},
    {"endpoints missing", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    connect_timeout: 1s
)",
     R"(cluster "web" has no endpoints; list where to send requests)", 4, 5},
    {"cluster without name", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - endpoints: [127.0.0.1:9000]
)",
     "clusters[0]: name is missing (e.g. name: web)", 4, 5},
    {"cluster name with a space", R"(listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: "my api"
    endpoints: [127.0.0.1:9000]
)",
     R"(clusters[0]: name "my api" may contain only letters, digits, "_", "." and "-")", 4, 11},
    {"duplicate cluster name", kHead + R"(  - name: web
    endpoints: [127.0.0.1:9001]
routes:
  - cluster: web
)",
     R"(cluster "web" is defined twice (first on line 4); rename one)", 6, 11},
    {"unknown cluster key", kHead + "    endpiont: 3\n",
     R"(cluster "web": unknown key "endpiont"; did you mean "endpoints"? (allowed: name,)", 6, 5},
    {"key given twice", kHead + "    name: api\n",
     "name is given twice (first on line 4); keep one", 6, 5},
    {"bad duration", kHead + "    connect_timeout: soon\n",
     R"(cluster "web": connect_timeout: "soon" is not a duration such as 500ms, 10s, 2m, 1h)", 6,
     22},
    {"zero timeout", kHead + "    request_timeout: 0s\n",
     R"(cluster "web": request_timeout must be longer than 0 (e.g. 10s))", 6, 22},
    {"duration as a list", kHead + "    idle_timeout: [1s]\n",
     "idle_timeout must be a duration such as 500ms", 6, 19},
    {"max_connections zero", kHead + "    max_connections: 0\n",
     R"(cluster "web": max_connections must be at least 1, not 0)", 6, 22},
    {"max_idle_connections negative", kHead + "    max_idle_connections: -1\n",
     "max_idle_connections must be at least 0, not -1", 6, 27},
    {"route to unknown cluster", kHead + "routes:\n  - cluster: wbe\n",
     R"(route "route-0": cluster "wbe" is not defined; did you mean "web"? (defined clusters: web))",
     7, 14},
    {"route with both", kHead + R"(routes:
  - cluster: web
    direct_response: { status: 200 }
)",
     R"(route "route-0" has both cluster and direct_response; keep one)", 8, 5},
    {"route with neither", kHead + R"(routes:
  - name: empty
    match: { path_prefix: /x }
)",
     R"(route "empty" needs a cluster (e.g. cluster: api) or a direct_response)", 7, 5},
    {"route path without slash", kHead + R"(routes:
  - match: { path_prefix: api }
    cluster: web
)",
     R"(route "route-0": match.path_prefix "api" must start with "/" (e.g. /api))", 7, 27},
    {"route host with port", kHead + R"(routes:
  - match: { host: "api.example.com:80" }
    cluster: web
)",
     "match.host \"api.example.com:80\" must not include a port", 7, 20},
    {"route host bad wildcard", kHead + R"(routes:
  - match: { host: "api.*.com" }
    cluster: web
)",
     "may use \"*\" only as a whole first label", 7, 20},
    {"match is text", kHead + R"(routes:
  - match: /api
    cluster: web
)",
     R"(route "route-0": match must be a map of key: value lines)", 7, 12},
    {"unknown match key", kHead + R"(routes:
  - match: { path: /api }
    cluster: web
)",
     R"(route "route-0": match: unknown key "path"; did you mean "path_prefix"?)", 7, 14},
    {"direct response 1xx", kHead + R"(routes:
  - direct_response: { status: 101 }
)",
     R"(route "route-0": direct_response.status must be from 200 to 599, not 101)", 7, 32},
    {"direct response 204 with body", kHead + R"(routes:
  - direct_response: { status: 204, body: "ok" }
)",
     "direct_response.body: a 204 response has no body", 7, 43},
    {"route shadowed", kHead + R"(routes:
  - match: { path_prefix: /api }
    cluster: web
  - match: { path_prefix: /api/v2 }
    cluster: web
)",
     R"(route "route-1" can never match: route "route-0" (line 7) comes first)", 9, 5},
    {"route shadowed by wildcard host", kHead + R"(routes:
  - match: { host: "*.example.com" }
    cluster: web
  - match: { host: API.example.com, path_prefix: /v1 }
    cluster: web
)",
     R"(route "route-1" can never match)", 9, 5},
    {"duplicate route name", kHead + R"(routes:
  - name: r
    match: { host: a.com }
    cluster: web
  - name: r
    cluster: web
)",
     R"(route "r": the name is already used by another route (line 7))", 10, 5},
    {"routes empty", kHead + "routes: []\n", "routes is empty; add routes, or remove routes:", 6,
     9},
    {"no routes with two clusters", kHead + "  - name: api\n    endpoints: [127.0.0.1:9001]\n",
     "routes: is missing; with 2 clusters (web, api) floodgate cannot guess", 1, 1},
    {"nothing to serve", "listeners:\n  - address: 127.0.0.1:8080\n",
     "nothing to serve: add a clusters: section", 1, 1},
    {"header bytes out of range", kHead + "limits:\n  max_header_bytes: 2MiB\n",
     "limits.max_header_bytes must be from 1KiB to 1MiB, not 2MiB", 7, 21},
    {"body size unit", kHead + "limits:\n  max_body_bytes: 10 bananas\n",
     R"(limits.max_body_bytes: "10 bananas" is not a size in bytes such as 65536, 16KiB)", 7, 19},
    {"max headers zero", kHead + "limits:\n  max_headers: 0\n",
     "limits.max_headers must be from 1 to 1000, not 0", 7, 16},
    {"limits is a list", kHead + "limits:\n  - max_headers: 10\n",
     "limits must be a map of key: value lines", 7, 3},
    {"log level typo", kHead + "logging:\n  level: warning\n",
     R"(logging.level "warning" is not a level; did you mean "warn"? (levels: trace, debug,)", 7,
     10},
    {"drain timeout negative", kHead + "drain_timeout: -5s\n",
     R"(drain_timeout: "-5s" is negative)", 6, 16},
    {"top level is a list", "- listeners\n", "the top level must be a map of sections", 1, 1},
    {"empty document", "", "the config is empty", 1, 1},
    {"tab indentation", "listeners:\n\t- address: 127.0.0.1:8080\n", "indent with spaces, not tabs",
     2, 2},
    {"two documents", kHead + "---\nlimits: {}\n", "the file holds more than one YAML document", 6,
     1},
    {"stray comma", ",\n" + kHead, "YAML syntax error: unexpected \",\"", 1, 1},
    {"stray comma in second document", kHead + "---\n,\n", "more than one YAML document", 6, 1},
    {"merge of text", "x-d: &d 5\n" + kHead + "    <<: *d\n",
     R"(clusters[0]: "<<" merges a map into this one (e.g. <<: *defaults), not text ("5"))", 7, 5},
};

class BadConfigTest : public testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, ReportsTheProblemWhereItIs) {
  const BadConfig& c = GetParam();
  LoadResult r = load(c.yaml);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.config, nullptr);
  const Problem* found = nullptr;
  for (const auto& p : r.problems) {
    if (p.message.find(c.message) != std::string::npos) found = &p;
  }
  ASSERT_NE(found, nullptr) << "want: " << c.message << "\ngot:\n" << describe(r);
  EXPECT_EQ(found->file, "test.yaml");
  EXPECT_EQ(found->line, c.line) << found->toString();
  EXPECT_EQ(found->column, c.column) << found->toString();
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfigTest, testing::ValuesIn(kBadConfigs),
                         [](const testing::TestParamInfo<BadConfig>& info) {
                           std::string n;
                           for (char ch : info.param.name) n += std::isalnum(ch) ? ch : '_';
                           return n;
                         });

TEST(LoadConfig, CollectsEveryProblemInFileOrder) {
  LoadResult r = load(R"(listeners:
  - address: 10.0.0.1
    workers: 999
clusters:
  - name: api
    endpoints: [127.0.0.1]
    connect_timeout: fast
routes:
  - cluster: ap
  - match: { path_prefix: nope }
limits:
  max_headers: 5000
logging:
  level: loud
colour: blue
)");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> want = {
      "test.yaml:2:14: listener \"listener-0\": address \"10.0.0.1\" needs a port",
      "test.yaml:3:14: listener \"listener-0\": workers must be from 0 to 256",
      "test.yaml:6:17: cluster \"api\": endpoint \"127.0.0.1\" needs a port",
      "test.yaml:7:22: cluster \"api\": connect_timeout: \"fast\" is not a duration",
      "test.yaml:9:14: route \"route-0\": cluster \"ap\" is not defined; did you mean \"api\"?",
      "test.yaml:10:5: route \"route-1\" needs a cluster",
      "test.yaml:10:27: route \"route-1\": match.path_prefix \"nope\" must start with \"/\"",
      "test.yaml:12:16: limits.max_headers must be from 1 to 1000, not 5000",
      "test.yaml:14:10: logging.level \"loud\" is not a level",
      "test.yaml:15:1: unknown top-level key \"colour\"",
  };
  ASSERT_EQ(r.problems.size(), want.size()) << describe(r);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.problems[i].toString().rfind(want[i], 0), 0u) << r.problems[i].toString();
  }
  // describeProblems: one toString() per line.
  std::string all = describe(r);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), static_cast<long>(want.size()));
  EXPECT_EQ(all.rfind(r.problems[0].toString() + "\n", 0), 0u);
}

TEST(LoadConfig, MinimalConfigGetsDefaultsAndACatchAllRoute) {
  LoadResult r = load(kHead);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.problems.empty());
  const Config& c = *r.config;
  EXPECT_EQ(c.source, "test.yaml");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].name, "listener-0");
  EXPECT_EQ(c.listeners[0].address_text, "127.0.0.1:8080");
  EXPECT_EQ(c.listeners[0].address.toString(), "127.0.0.1:8080");
  EXPECT_EQ(c.listeners[0].workers, 0);
  ASSERT_EQ(c.clusters.size(), 1u);
  const Cluster& web = c.clusters[0];
  EXPECT_EQ(web.name, "web");
  ASSERT_EQ(web.endpoints.size(), 1u);
  EXPECT_EQ(web.endpoints[0].address.toString(), "127.0.0.1:9000");
  EXPECT_EQ(web.connect_timeout, seconds(2));
  EXPECT_EQ(web.request_timeout, seconds(30));
  EXPECT_EQ(web.idle_timeout, seconds(60));
  EXPECT_EQ(web.max_idle_connections, 128);
  EXPECT_EQ(web.max_connections, 4096);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].name, "default");
  EXPECT_EQ(c.routes[0].host, "");
  EXPECT_EQ(c.routes[0].path_prefix, "/");
  EXPECT_EQ(c.routes[0].cluster, "web");
  EXPECT_EQ(c.routes[0].cluster_index, 0);
  EXPECT_FALSE(c.routes[0].direct.has_value());
  EXPECT_EQ(c.limits.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.limits.max_headers, 100u);
  EXPECT_EQ(c.limits.max_body_bytes, 0u);
  EXPECT_EQ(c.limits.header_read_timeout, seconds(10));
  EXPECT_EQ(c.limits.client_idle_timeout, seconds(60));
  EXPECT_EQ(c.limits.client_body_timeout, seconds(30));
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_EQ(c.logging.access_log, "");
  EXPECT_EQ(c.drain_timeout, seconds(10));
}

TEST(LoadConfig, ReadsEveryKey) {
  LoadResult r = load(R"(listeners:
  - name: public
    address: "[::1]:8443"
    workers: 3
  - name: internal
    address: localhost:9901
    workers: 1
routes:
  - name: api
    match: { host: API.example.com, path_prefix: /api }
    cluster: api
  - match: { host: "*" , path_prefix: /healthz }
    direct_response: { status: 503, body: "down\n", content_type: application/json }
  - name: rest
    cluster: web
clusters:
  - name: web
    endpoints: [127.0.0.1:9000, "localhost:9001"]
  - name: api
    endpoints:
      - "[::1]:9002"
    connect_timeout: 250ms
    request_timeout: 1m30s
    idle_timeout: 2m
    max_idle_connections: 0
    max_connections: 10
limits:
  max_header_bytes: 32KiB
  max_headers: 50
  max_body_bytes: 1GiB
  header_read_timeout: 5s
  client_idle_timeout: 1h
  client_body_timeout: 0.5
logging:
  level: debug
  access_log: "-"
drain_timeout: 3s
)");
  ASSERT_TRUE(r.ok()) << describe(r);
  const Config& c = *r.config;
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].name, "public");
  EXPECT_EQ(c.listeners[0].address.toString(), "[::1]:8443");
  EXPECT_EQ(c.listeners[1].address.toString(), "127.0.0.1:9901");
  ASSERT_EQ(c.routes.size(), 3u);  // file order, no default added
  EXPECT_EQ(c.routes[0].name, "api");
  EXPECT_EQ(c.routes[0].host, "API.example.com");
  EXPECT_EQ(c.routes[0].path_prefix, "/api");
  EXPECT_EQ(c.routes[0].cluster_index, 1);
  EXPECT_EQ(c.routes[1].name, "route-1");
  EXPECT_EQ(c.routes[1].host, "");  // "*" means any host
  ASSERT_TRUE(c.routes[1].direct.has_value());
  EXPECT_EQ(c.routes[1].direct->status, 503);
  EXPECT_EQ(c.routes[1].direct->body, "down\n");
  EXPECT_EQ(c.routes[1].direct->content_type, "application/json");
  EXPECT_EQ(c.routes[1].cluster, "");
  EXPECT_EQ(c.routes[1].cluster_index, -1);
  EXPECT_EQ(c.routes[2].path_prefix, "/");
  EXPECT_EQ(c.routes[2].cluster_index, 0);
  const Cluster& api = c.clusters[1];
  EXPECT_EQ(api.endpoints[0].address_text, "[::1]:9002");
  EXPECT_EQ(api.connect_timeout, milliseconds(250));
  EXPECT_EQ(api.request_timeout, seconds(90));
  EXPECT_EQ(api.idle_timeout, seconds(120));
  EXPECT_EQ(api.max_idle_connections, 0);
  EXPECT_EQ(api.max_connections, 10);
  EXPECT_EQ(c.clusters[0].endpoints[1].address.toString(), "127.0.0.1:9001");
  EXPECT_EQ(c.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.limits.max_headers, 50u);
  EXPECT_EQ(c.limits.max_body_bytes, uint64_t{1} << 30);
  EXPECT_EQ(c.limits.header_read_timeout, seconds(5));
  EXPECT_EQ(c.limits.client_idle_timeout, seconds(3600));
  EXPECT_EQ(c.limits.client_body_timeout, milliseconds(500));
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.access_log, "stdout");
  EXPECT_EQ(c.drain_timeout, seconds(3));
  EXPECT_EQ(c.workerThreads(),
            std::max(3, std::max(1, static_cast<int>(std::thread::hardware_concurrency()))));
  EXPECT_EQ(c.clusterIndex("api"), 1);
  EXPECT_EQ(c.clusterIndex("nope"), -1);
}

TEST(LoadConfig, SharedSettingsThroughAnchorsAndMergeKeys) {
  LoadResult r = load(R"(x-upstream-defaults: &defaults
  connect_timeout: 1s
  request_timeout: 5s
listeners:
  - address: 127.0.0.1:8080
clusters:
  - name: web
    <<: *defaults
    request_timeout: 7s   # the cluster's own value wins
    endpoints: [127.0.0.1:9000]
)");
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.config->clusters[0].connect_timeout, seconds(1));
  EXPECT_EQ(r.config->clusters[0].request_timeout, seconds(7));
}

TEST(LoadConfig, AccessLogForms) {
  const std::pair<std::string, std::string> cases[] = {{"off", ""},
                                                       {"stdout", "stdout"},
                                                       {"\"-\"", "stdout"},
                                                       {"/var/log/fg.json", "/var/log/fg.json"}};
  for (const auto& [written, want] : cases) {
    LoadResult r = load(kHead + "logging:\n  access_log: " + written + "\n");
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(r.config->logging.access_log, want) << written;
  }
  LoadResult r = load(kHead + "logging:\n  access_log:\n");
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.config->logging.access_log, "");
}

TEST(LoadConfig, DirectResponsesOnlyNeedNoCluster) {
  LoadResult r = load(R"(listeners:
  - address: 127.0.0.1:8080
routes:
  - direct_response: { status: 503, body: "maintenance\n" }
)");
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.config->routes[0].direct->content_type, "text/plain; charset=utf-8");
}

TEST(LoadConfig, ListenerPortZeroIsAllowedAndNeverADuplicate) {
  LoadResult r = load(R"(listeners:
  - address: 127.0.0.1:0
  - address: 127.0.0.1:0
clusters:
  - name: web
    endpoints: [127.0.0.1:9000]
)");
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.config->listeners[1].name, "listener-1");
}

TEST(LoadConfigFile, MissingFileIsOneProblem) {
  LoadResult r = loadConfigFile("/no/such/floodgate.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message,
            "cannot read /no/such/floodgate.yaml: No such file or directory");
  EXPECT_EQ(r.problems[0].toString(),
            "/no/such/floodgate.yaml: cannot read /no/such/floodgate.yaml: No such file or "
            "directory");
  EXPECT_EQ(r.describeProblems(), r.problems[0].toString() + "\n");
}

TEST(LoadConfigFile, DirectoryIsRefused) {
  LoadResult r = loadConfigFile("/");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message, "cannot read /: Is a directory");
}

TEST(Problem, ToStringOmitsAMissingPosition) {
  EXPECT_EQ((Problem{"a.yaml", 14, 7, "bad"}).toString(), "a.yaml:14:7: bad");
  EXPECT_EQ((Problem{"<quick start>", 0, 0, "bad"}).toString(), "<quick start>: bad");
}

TEST(Config, WorkerThreadsIsTheLargestListenerWithZeroMeaningEveryCore) {
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  Config c;
  EXPECT_EQ(c.workerThreads(), 1);
  c.listeners.resize(2);
  c.listeners[0].workers = 1;
  c.listeners[1].workers = 2;
  EXPECT_EQ(c.workerThreads(), 2);
  c.listeners[0].workers = 0;
  EXPECT_EQ(c.workerThreads(), std::max(cores, 2));
  c.listeners[0].workers = 200;
  EXPECT_EQ(c.workerThreads(), 200);
}

}  // namespace
}  // namespace floodgate::config
