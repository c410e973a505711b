// Upstream resilience with real origins (issue 6): failover between priority levels when the
// primary dies, its gradual return (slow start), an alternate never driven past its declared
// capacity (the surplus shed at the edge), a black-hole endpoint, and the retry budget holding
// the amplification factor when an origin fails half its requests.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

// One request's outcome as a client saw it.
struct Sample {
  double at_s = 0;  // since the load started
  int status = 0;   // 0: no response
  std::string origin;
  bool retry_after = false;
  std::string error;  // the body of an unexpected answer, or why there was none
};

// Paced keep-alive clients on their own threads, recording every answer. Bounded by count and
// time: each thread stops at `stop()` or after `max_seconds`.
class Load {
 public:
  Load(uint16_t port, int threads, double rps_per_thread, double max_seconds = 60)
      : start_(Clock::now()) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, port, rps_per_thread, max_seconds] {
        HttpClient c(port, milliseconds(3000));
        auto interval = std::chrono::duration<double>(1.0 / rps_per_thread);
        auto next = Clock::now();
        while (!stop_.load() && elapsed() < max_seconds) {
          auto r = c.get("/");
          Sample s;
          s.at_s = elapsed();
          if (r) {
            s.status = r->status;
            s.origin = r->header("X-Origin");
            s.retry_after = r->hasHeader("Retry-After");
            if (r->status != 200 && r->status != 503) s.error = r->body;
            if (r->closes) c.close();
          } else {
            s.error = c.error();
            c.close();
          }
          {
            std::lock_guard<std::mutex> lock(mu_);
            samples_.push_back(std::move(s));
          }
          next += std::chrono::duration_cast<Clock::duration>(interval);
          std::this_thread::sleep_until(next);  // pacing the load, not waiting for a condition
        }
      });
    }
  }
  ~Load() { stop(); }
  void stop() {
    stop_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  std::vector<Sample> samples() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_.size();
  }

 private:
  Clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<Sample> samples_;
};

// Runs the load until `pred` holds for the samples (or `timeout` passes).
bool loadUntil(Load& load, const std::function<bool(size_t)>& pred, milliseconds timeout) {
  return pollUntil([&] { return pred(load.count()); }, timeout, milliseconds(20));
}

// An origin on a fixed port (to bring "the same" primary back after killing it).
Server startOriginOn(uint16_t port, const std::string& name) {
  auto proc = Process::start({floodgateBin(), "origin", "--listen",
                              "127.0.0.1:" + std::to_string(port), "--name", name});
  Server s;
  if (!proc) return s;
  if (proc->waitForLine(std::regex("origin listening on"), seconds(10))) s.port = port;
  s.process = std::move(proc);
  return s;
}

TEST(UpstreamFailoverTest, PrimaryKilledUnderLoadAndBroughtBack) {
  auto primary = startOrigin({"--name", "primary"});
  auto alternate = startOrigin({"--name", "alternate"});
  ASSERT_TRUE(primary.ok() && alternate.ok());
  uint16_t primary_port = primary.port;
  auto gateway = startGatewayWithConfig(twoLevelConfig(primary.port, alternate.port,
                                                       "    slow_start: 3s\n"));
  ASSERT_TRUE(gateway.ok());

  Load load(gateway.port, 4, 100);  // 400 requests/s
  ASSERT_TRUE(loadUntil(load, [](size_t n) { return n >= 400; }, seconds(10)));
  double killed_at = load.elapsed();
  ASSERT_TRUE(primary.process->signal(SIGKILL));
  primary.process->waitExit(seconds(5));
  ASSERT_TRUE(loadUntil(load, [&](size_t) { return load.elapsed() > killed_at + 2.5; },
                        seconds(10)));
  double back_at = load.elapsed();
  auto revived = startOriginOn(primary_port, "primary");
  ASSERT_TRUE(revived.ok());
  ASSERT_TRUE(loadUntil(load, [&](size_t) { return load.elapsed() > back_at + 5.5; },
                        seconds(15)));
  load.stop();
  auto samples = load.samples();

  // The switch: errors during it and the time to the first answer from the alternate.
  size_t during = 0, errors = 0;
  double first_alternate = -1;
  for (const auto& s : samples) {
    if (s.at_s < killed_at || s.at_s >= back_at) continue;
    ++during;
    if (s.status != 200) ++errors;
    if (s.origin == "alternate" && first_alternate < 0) first_alternate = s.at_s - killed_at;
  }
  ASSERT_GT(during, 500u);
  EXPECT_LE(static_cast<double>(errors) / static_cast<double>(during), 0.005)
      << errors << " errors of " << during;
  ASSERT_GE(first_alternate, 0);
  EXPECT_LT(first_alternate, 1.0);
  size_t late_primary = 0, late = 0;
  for (const auto& s : samples) {
    if (s.at_s > killed_at + 1 && s.at_s < back_at) {
      ++late;
      late_primary += s.origin == "primary";
    }
  }
  EXPECT_EQ(late_primary, 0u) << "of " << late;

  // The return: the primary's share grows over the slow-start window, with no error burst.
  double first_primary = -1;
  size_t return_errors = 0, returned = 0;
  for (const auto& s : samples) {
    if (s.at_s < back_at) continue;
    ++returned;
    if (s.status != 200) ++return_errors;
    if (s.origin == "primary" && first_primary < 0) first_primary = s.at_s;
  }
  ASSERT_GT(first_primary, 0) << "the primary never got traffic back";
  EXPECT_LE(return_errors, returned / 200) << return_errors << " errors of " << returned;
  auto share = [&](double from, double to) {
    size_t n = 0, p = 0;
    for (const auto& s : samples) {
      if (s.at_s < from || s.at_s >= to) continue;
      ++n;
      p += s.origin == "primary";
    }
    return n == 0 ? -1.0 : static_cast<double>(p) / static_cast<double>(n);
  };
  double early = share(first_primary, first_primary + 0.5);
  double after = share(first_primary + 3.5, first_primary + 4.5);
  EXPECT_GT(early, 0.0);
  EXPECT_LT(early, 0.6) << "the primary took its traffic back at once";
  EXPECT_GT(after, 0.95);
}

TEST(UpstreamFailoverTest, AlternateIsNeverDrivenPastItsCapacity) {
  RefusingPort dead_primary;
  // The alternate can serve 100 requests/s; floodgate is told 90.
  auto alternate = startOrigin({"--name", "alternate", "--capacity", "100"});
  ASSERT_TRUE(alternate.ok());
  auto gateway = startGatewayWithConfig(
      twoLevelConfig(dead_primary.port(), alternate.port, "        capacity: 90/s\n"));
  ASSERT_TRUE(gateway.ok());
  // Let the dead primary be found out first (health checks, outlier detection).
  {
    HttpClient c(gateway.port);
    ASSERT_TRUE(pollUntil([&] {
      auto r = c.get("/");
      return r && r->status == 200 && r->header("X-Origin") == "alternate";
    }, seconds(5)));
  }
  Load load(gateway.port, 6, 50);  // 300 requests/s at an alternate of 90
  ASSERT_TRUE(loadUntil(load, [&](size_t) { return load.elapsed() > 4; }, seconds(10)));
  load.stop();
  size_t served = 0, shed = 0, origin_503 = 0, other = 0;
  std::map<int, int> statuses;
  for (const auto& s : load.samples()) {
    ++statuses[s.status];
    if (!s.error.empty()) ADD_FAILURE() << s.at_s << ": " << s.status << " " << s.error;
    if (s.status == 200) {
      ++served;
    } else if (s.status == 503 && s.origin.empty() && s.retry_after) {
      ++shed;
    } else if (s.status == 503) {
      ++origin_503;
    } else {
      ++other;
    }
  }
  EXPECT_GT(shed, 0u);
  EXPECT_GT(served, 250u);  // ~90/s for 4 s
  EXPECT_LE(origin_503, served / 100) << "the alternate itself refused " << origin_503;
  EXPECT_EQ(other, 0u) << ::testing::PrintToString(statuses);
  auto alternate_tally = originTally(alternate.port);
  EXPECT_LE(alternate_tally.refusedShare(), 0.01) << "the alternate " << alternate_tally.str();
}

// Failover onto an alternate of small capacity, end to end: regulars, known-good after calm
// seconds on the alternate, are still served when a crowd of new clients comes at four times
// the alternate's capacity. The surplus is shed at the edge (503 + Retry-After), lowest class
// first, and the alternate is never driven past its capacity.
TEST(UpstreamFailoverTest, SmallAlternateServesKnownGoodClientsFirst) {
  RefusingPort dead_primary;
  auto alternate = startOrigin({"--name", "alternate", "--capacity", "400"});
  ASSERT_TRUE(alternate.ok());
  std::string config =
      twoLevelConfig(dead_primary.port(), alternate.port, "        capacity: 300/s\n");
  // The shield on, as by default: it learns who is known-good from the answers it sees.
  config.erase(config.find("shield: { enabled: false }\n"), 27);
  auto gw = startGatewayWithConfig(config);
  ASSERT_TRUE(gw.ok());
  std::string scenario = stormHead("small-alternate", gw.port, alternate.port) +
                         "phases:\n"
                         "  - { name: calm, duration: 12s }\n"  // known-good after 10 s
                         "  - { name: crowd, duration: 8s, attack: true }\n"
                         "clients:\n"
                         "  - { name: regulars, kind: legit, sources: 127.11.0.0/24, count: 50,\n"
                         "      rate: 100 }\n"
                         "  - { name: crowd, kind: legit, sources: 127.78.0.0/16, count: 2000,\n"
                         "      rate: 1200, phases: [crowd] }\n";
  CommandResult run;
  auto report = runStorm(scenario, &run);
  ASSERT_FALSE(report.is_null()) << run.out << run.err;
  const auto& regulars = group(report, "regulars");
  const auto& crowd = group(report, "crowd");
  EXPECT_GE(regulars["success"].get<double>(), 0.99) << run.out;
  EXPECT_LT(crowd["success"].get<double>(), 0.5) << run.out;
  EXPECT_GT(crowd["counts"]["status_503"].get<uint64_t>(), 0u) << run.out;
  auto alternate_tally = originTally(alternate.port);
  EXPECT_LE(alternate_tally.refusedShare(), 0.01) << "the alternate " << alternate_tally.str()
                                                  << "\n" << run.out;
}

TEST(UpstreamFailoverTest, BlackHoleEndpointAmongHealthyOnes) {
  auto a = startOrigin({"--name", "a"});
  auto b = startOrigin({"--name", "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  ScriptedUpstream black_hole("");  // accepts, reads, never answers
  auto gateway = startGatewayWithConfig(
      "listeners: [{ address: 127.0.0.1:0, workers: 2 }]\n"
      "shield: { enabled: false }\n"
      "clusters:\n"
      "  - name: web\n"
      "    endpoints: [127.0.0.1:" + std::to_string(a.port) + ", 127.0.0.1:" +
      std::to_string(black_hole.port()) + ", 127.0.0.1:" + std::to_string(b.port) + "]\n"
      "    retry: { per_try_timeout: 250ms }\n"
      "    outlier_detection: { consecutive_connect_failures: 3, base_ejection: 30s }\n");
  ASSERT_TRUE(gateway.ok());
  Load load(gateway.port, 4, 50);
  ASSERT_TRUE(loadUntil(load, [&](size_t) { return load.elapsed() > 4; }, seconds(10)));
  load.stop();
  size_t n = 0, ok = 0;
  for (const auto& s : load.samples()) {
    if (s.at_s < 1.0) continue;
    ++n;
    ok += s.status == 200;
  }
  ASSERT_GT(n, 300u);
  EXPECT_GE(static_cast<double>(ok) / static_cast<double>(n), 0.995) << ok << " of " << n;
}

TEST(UpstreamFailoverTest, RetryBudgetBoundsAmplificationWhenHalfFail) {
  auto origin = startOrigin({"--name", "flaky", "--fail-every", "2"});  // every 2nd: 500
  ASSERT_TRUE(origin.ok());
  auto gateway = startGatewayWithConfig(
      "listeners: [{ address: 127.0.0.1:0, workers: 2 }]\n"
      "shield: { enabled: false }\n"
      "clusters:\n"
      "  - name: web\n"
      "    endpoints: [127.0.0.1:" + std::to_string(origin.port) + "]\n"
      "    retry: { on_status: [500, 502, 503, 504] }\n");
  ASSERT_TRUE(gateway.ok());
  Load load(gateway.port, 4, 100);
  ASSERT_TRUE(loadUntil(load, [&](size_t) { return load.elapsed() > 6; }, seconds(12)));
  load.stop();
  size_t downstream = load.samples().size();
  size_t ok = 0;
  for (const auto& s : load.samples()) ok += s.status == 200;
  HttpClient stats(origin.port);
  auto r = stats.get("/__origin/stats?summary=1");
  ASSERT_TRUE(r && r->status == 200);
  auto j = nlohmann::json::parse(r->body);
  double upstream = j["requests"].get<double>() - 1;  // this stats request is counted too
  double amplification = upstream / static_cast<double>(downstream);
  EXPECT_LE(amplification, 1.1) << upstream << " upstream for " << downstream;
  EXPECT_GT(amplification, 1.02) << "retries were not used at all";
  // Retries within the budget turned some failures into successes.
  EXPECT_GT(static_cast<double>(ok) / static_cast<double>(downstream), 0.52);
}

TEST(UpstreamBalancingTest, CookieHashingKeepsAUserOnOneEndpoint) {
  auto a = startOrigin({"--name", "a"});
  auto b = startOrigin({"--name", "b"});
  auto c = startOrigin({"--name", "c"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto gateway = startGatewayWithConfig(
      "listeners: [{ address: 127.0.0.1:0, workers: 2 }]\n"
      "clusters:\n"
      "  - name: web\n"
      "    endpoints: [127.0.0.1:" + std::to_string(a.port) + ", 127.0.0.1:" +
      std::to_string(b.port) + ", 127.0.0.1:" + std::to_string(c.port) + "]\n"
      "    load_balancing: { hash: { cookie: session } }\n");
  ASSERT_TRUE(gateway.ok());
  std::set<std::string> seen;
  for (int user = 0; user < 12; ++user) {
    std::string first;
    for (int i = 0; i < 5; ++i) {
      HttpClient client(gateway.port);  // a new connection each time: any worker may take it
      auto r = client.get("/", {{"Cookie", "theme=dark; session=user" + std::to_string(user)}});
      ASSERT_TRUE(r && r->status == 200) << client.error();
      if (i == 0) first = r->header("X-Origin");
      EXPECT_EQ(r->header("X-Origin"), first) << "user " << user;
    }
    seen.insert(first);
  }
  EXPECT_GE(seen.size(), 2u) << "twelve users all hashed to one endpoint";
}

TEST(UpstreamFailoverTest, ReloadSwapsTheLevels) {
  auto one = startOrigin({"--name", "one"});
  auto two = startOrigin({"--name", "two"});
  ASSERT_TRUE(one.ok() && two.ok());
  auto gateway = startGatewayWithConfig(twoLevelConfig(one.port, two.port));
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/");
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(r->header("X-Origin"), "one");
  replaceFile(gateway.config_path, twoLevelConfig(two.port, one.port));
  ASSERT_TRUE(gateway.process->signal(SIGHUP));
  // The new primary takes over once the workers have the new config and its upstream view.
  EXPECT_TRUE(pollUntil([&] {
    auto again = c.get("/");
    return again && again->status == 200 && again->header("X-Origin") == "two";
  }, seconds(5)));
  for (int i = 0; i < 20; ++i) {
    auto again = c.get("/");
    ASSERT_TRUE(again && again->status == 200);
    EXPECT_EQ(again->header("X-Origin"), "two");
  }
}

TEST(UpstreamFailoverTest, ExampleFailoverConfigIsValid) {
  auto r = runFloodgate({"check", "-c", sourceDir() + "/examples/failover.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace floodgate::integration
