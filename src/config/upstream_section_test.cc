#include "config/upstream_section.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace floodgate::config {
namespace {

LoadResult load(const std::string& cluster) {
  return loadConfigString("listeners: [{ address: 127.0.0.1:8080 }]\n"
                          "clusters:\n"
                          "  - name: app\n" +
                              cluster,
                          "upstream.yaml");
}

TEST(UpstreamSection, DefaultsAreWhatEnvoyAndHaproxyUsersExpect) {
  auto r = load("    endpoints: [127.0.0.1:9000]\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Cluster& c = r.config->clusters[0];
  EXPECT_EQ(c.levels.size(), 1u);
  EXPECT_EQ(c.endpoints[0].level, 0);
  EXPECT_EQ(c.health_check.type, HealthCheck::Type::kNone);
  EXPECT_EQ(c.outlier_detection.consecutive_5xx, 5);
  EXPECT_EQ(c.outlier_detection.max_ejected_percent, 10);
  EXPECT_EQ(c.panic_threshold, 50);
  EXPECT_EQ(c.retry.max_attempts, 3);
  EXPECT_EQ(c.retry.budget_percent, 10);
  EXPECT_EQ(c.load_balancing.policy, LoadBalancing::Policy::kLeastRequest);
}

TEST(UpstreamSection, ReadsLevelsAndEverySetting) {
  auto r = load(
      "    levels:\n"
      "      - { endpoints: [127.0.0.1:9000, 127.0.0.1:9001], concurrency: 500 }\n"
      "      - { endpoints: [127.0.0.1:9100], capacity: 200/s }\n"
      "    health_check: { type: http, path: /healthz, expect: [200-299, 304],\n"
      "                    body_contains: ok, timeout: 500ms, interval: 1s, jitter: 100ms,\n"
      "                    healthy_threshold: 3, unhealthy_threshold: 2 }\n"
      "    outlier_detection: { consecutive_5xx: 3, consecutive_connect_failures: 2,\n"
      "                         min_success_rate: 80, latency_factor: 4, base_ejection: 10s,\n"
      "                         max_ejection: 1m, max_ejected_percent: 50 }\n"
      "    panic_threshold: 30\n"
      "    slow_start: 20s\n"
      "    retry: { per_try_timeout: 300ms, deadline: 2s, max_attempts: 2, budget_percent: 5,\n"
      "             budget_min_per_second: 1, backoff_base: 10ms, backoff_max: 100ms,\n"
      "             on_status: [500, 503] }\n"
      "    load_balancing: { hash: { cookie: session } }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Cluster& c = r.config->clusters[0];
  ASSERT_EQ(c.endpoints.size(), 3u);
  EXPECT_EQ(c.endpoints[1].level, 0);
  EXPECT_EQ(c.endpoints[2].level, 1);
  ASSERT_EQ(c.levels.size(), 2u);
  EXPECT_EQ(c.levels[0].concurrency, 500);
  EXPECT_EQ(c.levels[1].requests_per_second, 200);
  EXPECT_EQ(c.health_check.type, HealthCheck::Type::kHttp);
  EXPECT_EQ(c.health_check.path, "/healthz");
  ASSERT_EQ(c.health_check.expect.size(), 2u);
  EXPECT_EQ(c.health_check.expect[1], std::make_pair(304, 304));
  EXPECT_EQ(c.health_check.body_contains, "ok");
  EXPECT_EQ(c.health_check.timeout, milliseconds(500));
  EXPECT_EQ(c.health_check.healthy_threshold, 3);
  EXPECT_EQ(c.outlier_detection.consecutive_connect_failures, 2);
  EXPECT_EQ(c.outlier_detection.min_success_rate, 80);
  EXPECT_EQ(c.outlier_detection.latency_factor, 4);
  EXPECT_EQ(c.outlier_detection.max_ejection, seconds(60));
  EXPECT_EQ(c.panic_threshold, 30);
  EXPECT_EQ(c.slow_start, seconds(20));
  EXPECT_EQ(c.retry.per_try_timeout, milliseconds(300));
  EXPECT_EQ(c.retry.deadline, seconds(2));
  EXPECT_EQ(c.retry.budget_percent, 5);
  EXPECT_EQ(c.retry.on_status, (std::vector<int>{500, 503}));
  EXPECT_EQ(c.load_balancing.policy, LoadBalancing::Policy::kHash);
  EXPECT_EQ(c.load_balancing.hash_cookie, "session");
}

struct BadCase {
  const char* yaml;
  const char* message;  // a part of the one problem reported
  int line;
};

TEST(UpstreamSection, ProblemsSayWhereAndWhat) {
  const BadCase cases[] = {
      {"    endpoints: [127.0.0.1:9000]\n    levels: [{ endpoints: [127.0.0.1:9001] }]\n",
       "has both endpoints: and levels:", 4},
      {"    levels: [{ endpoints: [127.0.0.1:9001], capacity: lots }]\n",
       "\"lots\" is not a rate", 4},
      {"    endpoints: [127.0.0.1:9000]\n    health_check: { type: udp }\n",
       "\"udp\" must be http or tcp", 5},
      {"    endpoints: [127.0.0.1:9000]\n    health_check: { expect: [700] }\n",
       "between 100 and 599", 5},
      {"    endpoints: [127.0.0.1:9000]\n    health_check: { timeout: 5s, interval: 1s }\n",
       "must not be longer than the interval", 5},
      {"    endpoints: [127.0.0.1:9000]\n    outlier_detection: { latency_factor: 1.1 }\n",
       "at least 1.5", 5},
      {"    endpoints: [127.0.0.1:9000]\n    retry: { budget_percent: 120 }\n",
       "must be a number from 0 to 100", 5},
      {"    endpoints: [127.0.0.1:9000]\n    retry: { on_status: [404] }\n",
       "each item is one 5xx status", 5},
      {"    endpoints: [127.0.0.1:9000]\n    load_balancing: random\n",
       "must be least_request, round_robin", 5},
      {"    endpoints: [127.0.0.1:9000]\n    load_balancing: { hash: { header: a, cookie: b } }\n",
       "needs one of header: or cookie:", 5},
      {"    endpoints: [127.0.0.1:9000]\n    panic_threshold: 150\n", "panic_threshold", 5},
      {"    endpoints: [127.0.0.1:9000]\n    retries: 3\n", "retries", 5},
  };
  for (const auto& c : cases) {
    auto r = load(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    ASSERT_EQ(r.problems.size(), 1u) << c.yaml << r.describeProblems();
    EXPECT_NE(r.problems[0].message.find(c.message), std::string::npos)
        << c.yaml << r.problems[0].message;
    EXPECT_EQ(r.problems[0].line, c.line) << c.yaml << r.describeProblems();
  }
}

TEST(UpstreamSection, AtMostSixteenLevels) {
  std::string yaml = "    levels:\n";
  for (int i = 0; i < 17; ++i) {
    yaml += "      - { endpoints: [127.0.0.1:" + std::to_string(9000 + i) + "] }\n";
  }
  auto r = load(yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("has 17 levels; at most 16"), std::string::npos)
      << r.describeProblems();
}

}  // namespace
}  // namespace floodgate::config
