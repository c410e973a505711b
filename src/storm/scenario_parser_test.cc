#include "storm/scenario_parser.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace floodgate::storm {
namespace {

const char* const kGood = R"(name: distributed-flood
target: http://127.0.0.1:8080
origin_stats: http://127.0.0.1:9000/__origin/stats
threads: 2
phases:
  - { name: calm, duration: 5s }
  - { name: attack, duration: 15s, attack: true }
  - { name: after, duration: 5s }
clients:
  - name: users
    kind: legit
    sources: 127.10.0.0/16
    count: 200
    rate: 400
    think_time: 500ms
    paths: [/, /products, "/search?q={rand}"]
    headers: { User-Agent: "Mozilla/5.0 test" }
  - name: flood
    kind: distributed_flood
    sources: 127.66.0.0/16
    count: 20000
    rate: 5000
    requests_per_connection: 3
expect:
  - legit_success >= 0.995
  - time_to_mitigate_s <= 5s
)";

TEST(ScenarioParser, ReadsAGoodScenario) {
  auto s = parseScenarioText(kGood, "good.yaml");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->name, "distributed-flood");
  EXPECT_EQ(s->target.address.toString(), "127.0.0.1:8080");
  ASSERT_TRUE(s->has_origin_stats);
  EXPECT_EQ(s->origin_stats.path, "/__origin/stats");
  EXPECT_EQ(s->threads, 2);
  ASSERT_EQ(s->phases.size(), 3u);
  EXPECT_EQ(s->phases[1].start, seconds(5));
  EXPECT_TRUE(s->phases[1].attack);
  EXPECT_EQ(s->duration(), seconds(25));
  ASSERT_EQ(s->groups.size(), 2u);
  const auto& users = s->groups[0];
  EXPECT_EQ(users.kind, GroupKind::kLegit);
  EXPECT_EQ(users.count, 200u);
  EXPECT_EQ(users.connections, 200u);  // one each
  EXPECT_DOUBLE_EQ(users.rate, 400);
  EXPECT_TRUE(users.follow_redirects);
  EXPECT_TRUE(users.cookies);
  EXPECT_EQ(users.phases, (std::vector<size_t>{0, 1, 2}));
  ASSERT_EQ(users.headers.size(), 1u);
  EXPECT_EQ(users.headers[0].value, "Mozilla/5.0 test");
  const auto& flood = s->groups[1];
  EXPECT_EQ(flood.kind, GroupKind::kDistributedFlood);
  EXPECT_EQ(flood.requests_per_connection, 3u);
  EXPECT_EQ(flood.phases, (std::vector<size_t>{1}));  // attackers default to attack phases
  EXPECT_EQ(flood.connections, 250u);                 // rate/20
  ASSERT_EQ(s->expect.size(), 2u);
  EXPECT_EQ(s->expect[1].metric, "time_to_mitigate_s");
  EXPECT_EQ(s->expect[1].line, 26);
}

TEST(ScenarioParser, KindDefaults) {
  auto s = parseScenarioText(R"(target: http://localhost:8080
phases: [{ name: a, duration: 2s, attack: true }]
clients:
  - { name: m, kind: legit, sources: 127.10.0.0/24, count: 5, rate: 10, paths: [/x, /y] }
  - { name: slow, kind: slowloris, sources: 127.66.0.0/24, count: 20 }
  - { name: post, kind: slow_post, sources: 127.66.1.0/24, count: 4 }
  - { name: bomb, kind: header_bomb, sources: 127.66.2.0/24, count: 4, rate: 10 }
  - { name: pulse, kind: pulse, sources: 127.66.3.0/24, count: 4, rate: max }
  - { name: copy, kind: mimic, sources: 127.66.4.0/24, count: 4, rate: 10 }
  - { name: cb, kind: cache_busting, sources: 127.66.5.0/24, count: 4, rate: 10 }
)",
                             "kinds.yaml");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->target.host_header, "localhost:8080");
  const auto& slow = s->groups[1];
  EXPECT_EQ(slow.connections, 20u);
  EXPECT_DOUBLE_EQ(slow.rate, 20);
  EXPECT_EQ(slow.byte_interval, seconds(1));
  const auto& post = s->groups[2];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body_bytes, 1'000'000u);
  EXPECT_EQ(s->groups[3].header_count, 50u);
  EXPECT_TRUE(s->groups[4].closed_loop);
  EXPECT_EQ(s->groups[4].pulse_on, seconds(2));
  const auto& copy = s->groups[5];
  EXPECT_EQ(copy.mimic, "m");
  EXPECT_EQ(copy.paths, (std::vector<std::string>{"/x", "/y"}));
  EXPECT_EQ(copy.headers.size(), s->groups[0].headers.size());
  EXPECT_NE(s->groups[6].paths[0].find("{rand}"), std::string::npos);
  EXPECT_EQ(s->groups[6].connections, 16u);  // keep-alive: at least one per address (4)
}

// Each bad file must be refused with this exact "file:line:col: message" (or a part of it).
struct BadCase {
  const char* yaml;
  const char* error;
};

TEST(ScenarioParser, RefusesBadFilesWithPositions) {
  const std::string head =
      "target: http://127.0.0.1:8080\nphases: [{ name: calm, duration: 5s }, { name: attack, "
      "duration: 5s, attack: true }]\n";
  BadCase cases[] = {
      {"phases: [{ name: a, duration: 1s }\n", "bad.yaml:2:1: "},  // YAML syntax
      {"target: http://10.0.0.1:80\nphases: [{ name: a, duration: 1s }]\nclients: []\n",
       "bad.yaml:1:9: target \"http://10.0.0.1:80\": the host is outside 127.0.0.0/8"},
      {"phases: [{ name: a, duration: 5 seconds }]\n",
       "bad.yaml:1:31: duration must be a duration like 500ms, 5s or 1m, not \"5 seconds\""},
      {"phases: [{ name: a, duration: 1s }, { name: a, duration: 1s }]\n",
       "bad.yaml:1:45: phase \"a\" is defined twice"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/16, count: 5, rat: 10 }\n",
       "bad.yaml:4:63: unknown key \"rat\" in client group \"u\" (did you mean \"rate\"?)"},
      {"clients:\n  - { name: u, kind: legitimate, sources: 127.10.0.0/16, count: 5, rate: 1 }\n",
       "bad.yaml:4:22: unknown kind \"legitimate\""},
      {"clients:\n  - { name: u, kind: legit, sources: 10.10.0.0/16, count: 5, rate: 1 }\n",
       "bad.yaml:4:38: \"10.10.0.0/16\" is outside 127.0.0.0/8"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 300, rate: 1 }\n",
       "bad.yaml:4:60: count 300 exceeds the 254 usable addresses of 127.10.0.0/24"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: 1, "
       "phases: [calm, storm] }\n",
       "no phase named \"storm\""},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3 }\n",
       "bad.yaml:4:5: client group \"u\" needs a rate"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 4, rate: 10, "
       "think_time: 1s }\n",
       "think_time 1s across 4 users means 4 requests/s, but rate says 10"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/16, count: 3, rate: 1 }\n"
       "  - { name: f, kind: keepalive_flood, sources: 127.10.5.0/24, count: 3, rate: 1 }\n",
       "legitimate users and attackers need separate ranges"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: max }\n",
       "rate: max is for request floods only"},
      {"clients:\n  - { name: s, kind: slowloris, sources: 127.66.0.0/24, count: 3, "
       "requests_per_connection: 2 }\n",
       "\"requests_per_connection\" does not apply to a slowloris group"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: 1, "
       "headers: { Host: x } }\n",
       "storm sets Host itself"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: 1, "
       "paths: [nope] }\n",
       "path \"nope\" must start with /"},
      {"clients:\n  - { name: c, kind: mimic, sources: 127.66.0.0/24, count: 3, rate: 1 }\n",
       "a mimic group needs a legit group to copy"},
      {"clients:\n  - { name: k, kind: keepalive_flood, sources: 127.66.0.0/24, count: 30, "
       "connections: 10, rate: 100 }\n",
       "only 10 of the 30 addresses would ever send"},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: 1 }\n"
       "expect:\n  - legit_succes >= 0.9\n",
       "bad.yaml:6:5: unknown metric \"legit_succes\""},
      {"clients:\n  - { name: u, kind: legit, sources: 127.10.0.0/24, count: 3, rate: 1 }\n"
       "colour: blue\n",
       "bad.yaml:5:1: unknown key \"colour\" in the scenario"},
  };
  for (const auto& c : cases) {
    std::string yaml =
        std::string(c.yaml).rfind("target", 0) == 0 || std::string(c.yaml).rfind("phases", 0) == 0
            ? c.yaml
            : head + c.yaml;
    auto s = parseScenarioText(yaml, "bad.yaml");
    ASSERT_FALSE(s.ok()) << yaml;
    EXPECT_NE(s.error().find(c.error), std::string::npos)
        << "wanted: " << c.error << "\ngot:    " << s.error();
  }
}

TEST(ScenarioParser, MissingFile) {
  auto s = loadScenarioFile("/nonexistent/storm.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("cannot open"), std::string::npos);
}

// Every example scenario shipped in examples/storms/ must load.
TEST(ScenarioParser, ExamplesLoad) {
  std::filesystem::path dir = std::filesystem::path(FLOODGATE_SOURCE_DIR) / "examples" / "storms";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    auto s = loadScenarioFile(entry.path().string());
    EXPECT_TRUE(s.ok()) << entry.path() << ": " << (s.ok() ? "" : s.error());
    ++seen;
  }
  EXPECT_GE(seen, 11);
}

}  // namespace
}  // namespace floodgate::storm
