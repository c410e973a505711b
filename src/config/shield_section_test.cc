#include "config/shield_section.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace floodgate::config {
namespace {

const char* kBase =
    "listeners: [{ address: 127.0.0.1:8080 }]\n"
    "routes:\n"
    "  - { name: api, match: { path_prefix: /api }, cluster: app }\n"
    "  - { name: web, cluster: app }\n"
    "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n";

LoadResult load(const std::string& shield) {
  return loadConfigString(std::string(kBase) + shield, "shield.yaml");
}

TEST(ShieldSection, DefaultsAreOn) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Shield& s = r.config->shield;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.max_connections_per_source, 256);
  EXPECT_EQ(s.min_rate_grace, seconds(5));
  EXPECT_EQ(s.tarpit_after, 8);
  EXPECT_TRUE(s.rate_limits.empty());
}

TEST(ShieldSection, ReadsEverything) {
  auto r = load(
      "shield:\n"
      "  enabled: true\n"
      "  detect: false\n"
      "  blocklist:\n"
      "    - 203.0.113.7\n"
      "    - { prefix: 10.0.0.0/8, reason: lab, ttl: 1h }\n"
      "    - 2001:db8::/32\n"
      "  max_connections_per_source: 50\n"
      "  new_connections_per_source: 20\n"
      "  connection_budget: 9000\n"
      "  min_request_rate: 1KiB\n"
      "  min_rate_grace: 3s\n"
      "  table_slots: 4096\n"
      "  tarpit_after: 3\n"
      "  rate_limits:\n"
      "    - { name: per-client, key: source, rate: 20/s, burst: 40, routes: [api] }\n"
      "    - { key: prefix, prefix_v4: 16, rate: 600/m }\n"
      "    - { key: \"header:X-Api-Key\", rate: 5 }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Shield& s = r.config->shield;
  ASSERT_EQ(s.blocklist.size(), 3u);
  EXPECT_EQ(s.blocklist[1].prefix, "10.0.0.0/8");
  EXPECT_EQ(s.blocklist[1].reason, "lab");
  EXPECT_EQ(s.blocklist[1].ttl, seconds(3600));
  EXPECT_FALSE(s.detect);
  EXPECT_EQ(s.max_connections_per_source, 50);
  EXPECT_EQ(s.new_connections_per_source, 20);
  EXPECT_EQ(s.connection_budget, 9000);
  EXPECT_EQ(s.min_request_rate, 1024u);
  EXPECT_EQ(s.min_rate_grace, seconds(3));
  EXPECT_EQ(s.table_slots, 4096);
  EXPECT_EQ(s.tarpit_after, 3);
  ASSERT_EQ(s.rate_limits.size(), 3u);
  EXPECT_EQ(s.rate_limits[0].name, "per-client");
  EXPECT_EQ(s.rate_limits[0].rate, 20);
  EXPECT_EQ(s.rate_limits[0].burst, 40);
  EXPECT_EQ(s.rate_limits[0].route_indexes, std::vector<int>{0});
  EXPECT_EQ(s.rate_limits[1].key, RateLimit::Key::kPrefix);
  EXPECT_EQ(s.rate_limits[1].prefix_v4, 16);
  EXPECT_DOUBLE_EQ(s.rate_limits[1].rate, 10.0);
  EXPECT_DOUBLE_EQ(s.rate_limits[1].burst, 10.0);  // one second's worth by default
  EXPECT_EQ(s.rate_limits[2].key, RateLimit::Key::kHeader);
  EXPECT_EQ(s.rate_limits[2].header, "X-Api-Key");
}

struct BadCase {
  const char* yaml;
  const char* message;
  int line;
};

class ShieldSectionProblems : public ::testing::TestWithParam<BadCase> {};

TEST_P(ShieldSectionProblems, Reported) {
  const BadCase& c = GetParam();
  auto r = load(c.yaml);
  ASSERT_FALSE(r.ok()) << c.yaml;
  std::string all = r.describeProblems();
  EXPECT_NE(all.find(c.message), std::string::npos) << all;
  EXPECT_EQ(r.problems[0].line, c.line) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ShieldSectionProblems,
    ::testing::Values(
        BadCase{"shield:\n  blocklist: [10.0.0.0/33]\n", "shield.blocklist", 7},
        BadCase{"shield:\n  blocklist: [not-an-ip]\n", "shield.blocklist", 7},
        BadCase{"shield:\n  enabled: maybe\n", "must be true or false", 7},
        BadCase{"shield:\n  detect: 3\n", "must be true or false", 7},
        BadCase{"shield:\n  max_conections_per_source: 5\n", "max_connections_per_source", 7},
        BadCase{"shield:\n  rate_limits: [{ key: source, rate: fast }]\n", "is not a rate", 7},
        BadCase{"shield:\n  rate_limits: [{ key: sauce, rate: 5 }]\n", "is not a key", 7},
        BadCase{"shield:\n  rate_limits: [{ rate: 5, routes: [nope] }]\n", "no route named",
                7},
        BadCase{"shield:\n  rate_limits: [{ key: source }]\n", "rate", 7},
        BadCase{"shield:\n  rate_limits: [{ rate: 5, burst: 0 }]\n", "at least 1", 7},
        BadCase{"shield: [1, 2]\n", "shield", 6},
        BadCase{"shield:\n  challenge: { cookie_ttl: 2h, rotation: 1h }\n",
                "must not be longer than shield.challenge.rotation", 7},
        BadCase{"shield:\n  challenge: { cookie_name: \"a b\" }\n", "letters, digits", 7},
        BadCase{"shield:\n  challenge: { prefix_v4: 40 }\n", "prefix_v4", 7},
        BadCase{"shield:\n  challenge: on\n", "shield.challenge", 7},
        BadCase{"shield:\n  origin_protection: { min_limit: 10, max_limit: 5 }\n",
                "must not be above max_limit", 7},
        BadCase{"shield:\n  origin_protection: { latency_tolerance: 1 }\n", "from 1.1 to 100",
                7},
        BadCase{"shield:\n  origin_protection: { queue_timout: 1s }\n", "queue_timeout", 7},
        BadCase{"shield:\n  origin_protection: { enabled: sometimes }\n",
                "must be true or false", 7},
        BadCase{"shield:\n  kernel_drop: { escalate_rate: lots }\n", "is not a rate", 7},
        BadCase{"shield:\n  kernel_drop: { escalate_after: 0 }\n", "escalate_after", 7},
        BadCase{"shield:\n  kernel_drop: { defy_after: 0 }\n", "defy_after", 7},
        BadCase{"shield:\n  kernel_drop: { penalty: 1m, max_penalty: 10s }\n",
                "must not be shorter than shield.kernel_drop.penalty", 7},
        BadCase{"shield:\n  kernel_drop: { penality: 1m }\n", "penalty", 7},
        BadCase{"shield:\n  kernel_drop: yes\n", "shield.kernel_drop", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_rate: 0 }\n", "is not a rate", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_share: 0.2 }\n", "from 0.5 to 1", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_share: most }\n", "from 0.5 to 1", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_after: 0 }\n", "prefix_after", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_after: 2h }\n", "from 1ms to 1h", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_after: soon }\n", "from 1ms to 1h", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_probation: 6 }\n", "a power of two", 7},
        BadCase{"shield:\n  kernel_drop: { prefix_probation: 512 }\n", "prefix_probation", 7},
        BadCase{"shield:\n  kernel_drop: { escalate_prefixes: maybe }\n",
                "must be true or false", 7},
        BadCase{"shield:\n  tarpit_after: -1\n", "tarpit_after", 7},
        BadCase{"shield:\n  tarpit_after: often\n", "tarpit_after", 7}));

TEST(ShieldSection, KernelDrop) {
  auto defaults = load("");
  ASSERT_TRUE(defaults.ok()) << defaults.describeProblems();
  EXPECT_TRUE(defaults.config->shield.kernel_drop.enabled);
  EXPECT_TRUE(defaults.config->shield.kernel_drop.escalate);
  EXPECT_EQ(defaults.config->shield.kernel_drop.penalty, seconds(10));
  EXPECT_EQ(defaults.config->shield.kernel_drop.escalate_after, 10);
  EXPECT_EQ(defaults.config->shield.kernel_drop.defy_after, 2);
  EXPECT_TRUE(defaults.config->shield.kernel_drop.escalate_prefixes);
  EXPECT_DOUBLE_EQ(defaults.config->shield.kernel_drop.prefix_share, 0.99);
  auto r = load(
      "shield:\n"
      "  kernel_drop: { enabled: false, max_entries: 1000, escalate: no, escalate_rate: 600/m,\n"
      "                 escalate_after: 5, defy_after: 3, penalty: 30s, max_penalty: 1h, forgive_after: 2h,\n"
      "                 escalate_prefixes: false, prefix_rate: 120/m, prefix_share: 0.9,\n"
      "                 prefix_after: 4, prefix_probation: 16 }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const KernelDrop& k = r.config->shield.kernel_drop;
  EXPECT_FALSE(k.enabled);
  EXPECT_EQ(k.max_entries, 1000);
  EXPECT_FALSE(k.escalate);
  EXPECT_DOUBLE_EQ(k.escalate_rate, 10);
  EXPECT_EQ(k.escalate_after, 5);
  EXPECT_EQ(k.defy_after, 3);
  EXPECT_EQ(k.penalty, seconds(30));
  EXPECT_EQ(k.max_penalty, std::chrono::hours(1));
  EXPECT_EQ(k.forgive_after, std::chrono::hours(2));
  EXPECT_FALSE(k.escalate_prefixes);
  EXPECT_DOUBLE_EQ(k.prefix_rate, 2);
  EXPECT_DOUBLE_EQ(k.prefix_share, 0.9);
  EXPECT_EQ(k.prefix_after, seconds(4));  // a bare number: seconds
  EXPECT_EQ(defaults.config->shield.kernel_drop.prefix_after, milliseconds(500));
  auto ms = load("shield:\n  kernel_drop: { prefix_after: 1500ms }\n");
  ASSERT_TRUE(ms.ok()) << ms.describeProblems();
  EXPECT_EQ(ms.config->shield.kernel_drop.prefix_after, milliseconds(1500));
  EXPECT_EQ(k.prefix_probation, 16);
  EXPECT_EQ(defaults.config->shield.kernel_drop.prefix_probation, 8);
}

TEST(ShieldSection, ChallengeAndOriginProtection) {
  auto defaults = load("");
  ASSERT_TRUE(defaults.ok()) << defaults.describeProblems();
  EXPECT_TRUE(defaults.config->shield.origin_protection.enabled);
  EXPECT_EQ(defaults.config->shield.challenge.cookie_name, "fg_challenge");
  auto r = load(
      "shield:\n"
      "  challenge: { cookie_ttl: 10m, rotation: 20m, cookie_name: gate, prefix_v4: 32,\n"
      "               prefix_v6: 56 }\n"
      "  origin_protection: { enabled: false, min_limit: 2, max_limit: 50,\n"
      "                       latency_tolerance: 3.5, queue_timeout: 250ms, queue_size: 10,\n"
      "                       buffer_body_bytes: 8KiB }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Shield& s = r.config->shield;
  EXPECT_EQ(s.challenge.cookie_ttl, std::chrono::minutes(10));
  EXPECT_EQ(s.challenge.rotation, std::chrono::minutes(20));
  EXPECT_EQ(s.challenge.cookie_name, "gate");
  EXPECT_EQ(s.challenge.prefix_v4, 32);
  EXPECT_EQ(s.challenge.prefix_v6, 56);
  const OriginProtection& o = s.origin_protection;
  EXPECT_FALSE(o.enabled);
  EXPECT_EQ(o.min_limit, 2);
  EXPECT_EQ(o.max_limit, 50);
  EXPECT_DOUBLE_EQ(o.latency_tolerance, 3.5);
  EXPECT_EQ(o.queue_timeout, milliseconds(250));
  EXPECT_EQ(o.queue_size, 10);
  EXPECT_EQ(o.buffer_body_bytes, 8192u);
}

TEST(ParseRequestRate, Units) {
  double r = 0;
  EXPECT_TRUE(parseRequestRate("20", &r));
  EXPECT_DOUBLE_EQ(r, 20);
  EXPECT_TRUE(parseRequestRate("120/m", &r));
  EXPECT_DOUBLE_EQ(r, 2);
  EXPECT_TRUE(parseRequestRate("7200/h", &r));
  EXPECT_DOUBLE_EQ(r, 2);
  EXPECT_FALSE(parseRequestRate("5/d", &r));
  EXPECT_FALSE(parseRequestRate("x/s", &r));
}

}  // namespace
}  // namespace floodgate::config
