#include "shield/detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "shield/mitigation_rule.h"
#include "shield/priority.h"
#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Simulated traffic through the real pieces: one observation (one worker), the shared
// known-good set fed by the responses, and the detector, on simulated time.
class Sim {
 public:
  explicit Sim(const DetectorConfig& config = {}, Duration tick = seconds(1))
      : tick_(tick),
        good_(1 << 16, now_),
        obs_(ObservationConfig{}, &good_),
        detector_(config, &good_) {}

  void send(const IpKey& source, uint64_t fingerprint, int route, uint32_t n,
            Duration latency = milliseconds(20), int status = 200) {
    const bool known_good = good_.isKnownGood(source, now_);
    for (uint32_t i = 0; i < n; ++i) {
      obs_.recordRequest(source, fingerprint, route, known_good);
      obs_.recordResponse(source, status, latency, true, now_);
    }
  }
  uint32_t poisson(double mean) { return std::poisson_distribution<uint32_t>(mean)(rng_); }

  // The regulars: 200 sources in 50 /24s, 10 browser-ish fingerprints over 8 routes, `rate`
  // req/s each on average; origin latency around `latency_ms`.
  void regulars(double rate_each = 5, double latency_ms = 20) {
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    for (uint32_t i = 0; i < 200; ++i) {
      const IpKey source = IpKey::fromV4(0x0a000000 + (i / 4) * 256 + i % 4 + 1);
      const uint32_t n = poisson(rate_each * std::chrono::duration<double>(tick_).count());
      for (uint32_t k = 0; k < n; ++k) {
        auto latency = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double, std::milli>(latency_ms * jitter(rng_)));
        send(source, 100 + i % 10, static_cast<int>(i % 8), 1, latency);
      }
    }
  }

  std::vector<Finding> tick() {
    now_ += tick_;
    auto findings = detector_.tick(obs_, now_);
    obs_.reset();
    return findings;
  }

  MonoTime now() const { return now_; }
  const Detector& detector() const { return detector_; }
  KnownGoodSet& good() { return good_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  Duration tick_;
  MonoTime now_{seconds(1000)};
  std::mt19937_64 rng_{7};
  KnownGoodSet good_;
  WorkerObservation obs_;
  Detector detector_;
};

int count(const std::vector<Finding>& findings, FindingKind kind) {
  int n = 0;
  for (const auto& f : findings) n += f.kind == kind;
  return n;
}
const Finding* first(const std::vector<Finding>& findings, FindingKind kind) {
  for (const auto& f : findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}
std::string dump(const std::vector<Finding>& findings) {
  std::string s;
  for (const auto& f : findings)
    s += std::string(findingKindName(f.kind)) + ": " + f.evidence + "\n";
  return s;
}

// 60 ticks of 1000 req/s from 200 sources: nothing to report.
void warmUp(Sim& sim, int ticks = 60) {
  for (int t = 0; t < ticks; ++t) {
    sim.regulars();
    auto findings = sim.tick();
    ASSERT_TRUE(findings.empty()) << "tick " << t << "\n" << dump(findings);
  }
}

TEST(Detector, SteadyTrafficHasNoFindings) {
  Sim sim;
  warmUp(sim, 120);
  EXPECT_FALSE(sim.detector().status().anomaly);
  EXPECT_NEAR(sim.detector().overallBaseline().mean(), 1000, 50);
}

TEST(Detector, OneLoudSourceIsNamedWithItsNumbers) {
  Sim sim;
  warmUp(sim);
  const IpKey attacker = IpKey::parse("127.66.0.4").value();
  const Finding* found = nullptr;
  std::vector<Finding> findings;
  int ticks = 0;
  while (found == nullptr && ticks < 2) {
    sim.regulars();
    sim.send(attacker, 0xbad, 0, 5000);
    findings = sim.tick();
    ++ticks;
    found = first(findings, FindingKind::kHeavySource);
  }
  ASSERT_NE(found, nullptr) << dump(findings);
  std::printf("%s", dump(findings).c_str());
  EXPECT_EQ(found->source, attacker);
  EXPECT_EQ(count(findings, FindingKind::kHeavySource), 1);
  EXPECT_EQ(count(findings, FindingKind::kHeavyPrefix), 0);       // explained by the source
  EXPECT_EQ(count(findings, FindingKind::kHeavyFingerprint), 0);  // likewise
  EXPECT_GE(count(findings, FindingKind::kVolumeAnomaly), 1);
  EXPECT_NEAR(found->rate, 5000, 50);
  EXPECT_NEAR(found->share, 5000.0 / 6000, 0.02);
  EXPECT_NEAR(found->threshold, 20.0 / 201, 0.01);  // 20 × fair share: above the 5% floor
  EXPECT_NE(found->evidence.find("source 127.66.0.4: 5000 req/s = 83% of traffic"),
            std::string::npos)
      << found->evidence;
  EXPECT_TRUE(sim.detector().status().anomaly);
  ASSERT_TRUE(sim.good().anomalyStart().has_value());
  EXPECT_EQ(*sim.good().anomalyStart(), sim.now() - seconds(1));
  EXPECT_FALSE(sim.good().isKnownGood(attacker, sim.now()));

  // The same run continues: started_at stays at the first tick.
  const MonoTime started = found->started_at;
  sim.regulars();
  sim.send(attacker, 0xbad, 0, 5000);
  findings = sim.tick();
  ASSERT_NE(first(findings, FindingKind::kHeavySource), nullptr);
  EXPECT_EQ(first(findings, FindingKind::kHeavySource)->started_at, started);

  // The attack ends: findings stop at once; the anomaly clears after the hold time.
  const MonoTime ended = sim.now();
  bool cleared = false;
  for (int t = 0; t < 30 && !cleared; ++t) {
    sim.regulars();
    findings = sim.tick();
    EXPECT_TRUE(findings.empty()) << dump(findings);
    cleared = !sim.detector().status().anomaly;
    if (cleared) {
      EXPECT_GE(sim.now() - ended, DetectorConfig{}.hold);
      EXPECT_LE(sim.now() - ended, DetectorConfig{}.hold + seconds(2));
    }
  }
  EXPECT_TRUE(cleared);
  EXPECT_FALSE(sim.good().anomalyStart().has_value());
}

TEST(Detector, DistributedFloodIsAFingerprintNotAnySource) {
  Sim sim;
  warmUp(sim);
  std::vector<Finding> findings;
  for (int t = 0; t < 3; ++t) {
    sim.regulars();
    for (uint32_t i = 0; i < 20'000; ++i) {
      uint32_t n = sim.poisson(0.5);
      if (n > 0) sim.send(IpKey::fromV4(0x64000000 + i * 7919), 0xf100d, 2, n);
    }
    findings = sim.tick();
    EXPECT_EQ(count(findings, FindingKind::kHeavySource), 0) << dump(findings);
    EXPECT_EQ(count(findings, FindingKind::kHeavyPrefix), 0) << dump(findings);
  }
  std::printf("%s", dump(findings).c_str());
  EXPECT_GE(count(findings, FindingKind::kVolumeAnomaly), 1);
  const Finding* fp = first(findings, FindingKind::kHeavyFingerprint);
  ASSERT_NE(fp, nullptr) << dump(findings);
  EXPECT_EQ(fp->fingerprint, 0xf100du);
  EXPECT_EQ(fp->route, 2);
  EXPECT_GT(fp->share, 0.85);
  EXPECT_EQ(count(findings, FindingKind::kHeavyFingerprint), 1);
}

// The defense loop's 500 ms tick: the warm-up lasts as many seconds, the baseline learns the
// same level, and a distributed flood is found by the first tick that saw half a second of it,
// whatever the tick's phase relative to the flood's start — within 0.6 s of the start.
TEST(Detector, WithHalfSecondTicksAFloodIsFoundWithinAboutHalfASecondWhateverThePhase) {
  const Duration half = milliseconds(500);
  const DetectorConfig config = scaledToTick(DetectorConfig{}, half);
  EXPECT_EQ(config.warmup_ticks, 2 * DetectorConfig{}.warmup_ticks);
  EXPECT_NEAR(config.alpha, DetectorConfig{}.alpha / 2, 0.001);
  for (int phase_ms = 0; phase_ms < 500; phase_ms += 50) {
    Sim sim(config, half);
    for (int t = 0; t < 240; ++t) {  // two minutes of 1,000 req/s: nothing to report
      sim.regulars();
      auto findings = sim.tick();
      ASSERT_TRUE(findings.empty()) << "phase " << phase_ms << " tick " << t << "\n"
                                    << dump(findings);
    }
    EXPECT_NEAR(sim.detector().overallBaseline().mean(), 1000, 50);
    // 3,000 req/s of one new shape from 20,000 addresses, beginning phase_ms into a tick.
    const Finding* found = nullptr;
    std::vector<Finding> findings;
    int ticks = 0;
    while (found == nullptr && ticks < 3) {
      const double flooded = ticks == 0 ? (500.0 - phase_ms) / 500 : 1;
      sim.regulars();
      const auto n = static_cast<uint32_t>(1500 * flooded);
      for (uint32_t i = 0; i < n; ++i) {
        sim.send(IpKey::fromV4(0x64000000 + (ticks * 1500 + i) * 7919), 0xf100d, 2, 1);
      }
      findings = sim.tick();
      ++ticks;
      found = first(findings, FindingKind::kHeavyFingerprint);
    }
    ASSERT_NE(found, nullptr) << "phase " << phase_ms << "\n" << dump(findings);
    EXPECT_LE(ticks * 500 - phase_ms, 600) << "phase " << phase_ms;
    EXPECT_TRUE(sim.detector().status().anomaly);
  }
}

// A distributed flood of one new shape (0xf100d): 2,000 addresses, one request each per tick.
void distributedFlood(Sim& sim) {
  for (uint32_t i = 0; i < 2'000; ++i) sim.send(IpKey::fromV4(0x64000000 + i * 79190), 0xf100d, 2, 1);
}

// `n` new addresses each sending `each` requests of the regulars' ten fingerprints (a mimic).
void mimics(Sim& sim, uint32_t n, uint32_t each) {
  for (uint32_t i = 0; i < n; ++i) sim.send(IpKey::fromV4(0xc0000000 + i * 101), 100 + i % 10, 1, each);
}

// A mixed attack: a distributed flood of one new shape, and mimics that copy the regulars' ten
// fingerprints from 400 new addresses, +80% on each. The mimics' fingerprints are findings too
// (below the 3× a new shape needs), marked shared, and their rules spare known-good clients:
// the regulars pass, the newcomers are challenged.
TEST(Detector, MimicsSwellingTheUsersFingerprintsAreFoundAndSpareKnownGood) {
  Sim sim;
  warmUp(sim);
  std::vector<Finding> findings;
  for (int t = 0; t < 2; ++t) {
    sim.regulars();
    distributedFlood(sim);
    mimics(sim, 400, 2);
    findings = sim.tick();
  }
  std::printf("%s", dump(findings).c_str());
  std::vector<MitigationRule> rules;
  int shared = 0;
  for (const Finding& f : findings) {
    if (f.kind != FindingKind::kHeavyFingerprint) continue;
    EXPECT_EQ(f.shared, f.fingerprint != 0xf100du) << f.evidence;
    if (f.shared) {
      ++shared;
      EXPECT_GE(f.fingerprint, 100u);
      EXPECT_LT(f.fingerprint, 110u);
      EXPECT_NE(f.evidence.find("regular clients use it too"), std::string::npos);
    }
    auto rule = proposeRule(f, sim.now());
    ASSERT_TRUE(rule.has_value());
    EXPECT_EQ(rule->action, RuleAction::kChallenge);
    EXPECT_EQ(rule->spare_known_good, f.shared);
    rules.push_back(std::move(*rule));
  }
  EXPECT_EQ(shared, 10) << dump(findings);
  EXPECT_EQ(count(findings, FindingKind::kHeavySource), 0) << dump(findings);
  auto set = RuleSet::compile(std::move(rules), sim.now());
  const IpKey regular = IpKey::fromV4(0x0a000001);
  const IpKey mimic = IpKey::fromV4(0xc0000000);
  ASSERT_TRUE(sim.good().isKnownGood(regular, sim.now()));
  ASSERT_FALSE(sim.good().isKnownGood(mimic, sim.now()));
  auto decide = [&](const IpKey& who, uint64_t fp) {
    return set->decide(who, fp, "/", "GET", {}, sim.now(), sim.good().isKnownGood(who, sim.now()),
                       nullptr);
  };
  EXPECT_EQ(decide(regular, 100), nullptr);
  const MitigationRule* hit = decide(mimic, 100);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->action, RuleAction::kChallenge);
}

// The same flood with the regulars' fingerprints barely moved (+20%, noise-sized for a mimic):
// only the flood's own shape is a finding.
TEST(Detector, ASmallRiseOfTheUsersFingerprintsIsNotAFinding) {
  Sim sim;
  warmUp(sim);
  std::vector<Finding> findings;
  for (int t = 0; t < 3; ++t) {
    sim.regulars();
    distributedFlood(sim);
    mimics(sim, 100, 2);
    findings = sim.tick();
    for (const Finding& f : findings) {
      if (f.kind == FindingKind::kHeavyFingerprint) EXPECT_EQ(f.fingerprint, 0xf100du) << dump(findings);
    }
  }
  EXPECT_EQ(count(findings, FindingKind::kHeavyFingerprint), 1) << dump(findings);
}

TEST(Detector, SlowGrowthIsLearnedNotFlagged) {
  Sim sim;
  warmUp(sim);
  // 20% a minute for five minutes (×2.5): long past the ~100 ticks the EWMA's lag behind
  // steady growth takes to settle at its constant ~15% of the rate.
  for (int t = 1; t <= 300; ++t) {
    sim.regulars(5 * std::pow(1.2, t / 60.0));
    auto findings = sim.tick();
    ASSERT_TRUE(findings.empty()) << "tick " << t << "\n" << dump(findings);
  }
  EXPECT_GT(sim.detector().overallBaseline().mean(), 2000);
}

TEST(Detector, FlashCrowdOfKnownGoodClientsIsNotAnAttack) {
  Sim sim;
  warmUp(sim);
  bool seen = false;
  for (int t = 0; t < 30; ++t) {
    sim.regulars(15);  // ×3
    auto findings = sim.tick();
    ASSERT_TRUE(findings.empty()) << "tick " << t << "\n" << dump(findings);
    EXPECT_FALSE(sim.detector().status().anomaly);
    seen |= sim.detector().status().flash_crowd;
  }
  EXPECT_TRUE(seen);  // reported as a flash crowd (until the baseline has learned the new level)
}

TEST(Detector, StrangersTripleTheTrafficIsAnAnomaly) {
  Sim sim;
  warmUp(sim);
  sim.regulars();
  for (uint32_t i = 0; i < 400; ++i)
    sim.send(IpKey::fromV4(0xc0000000 + i * 101), 100 + i % 10, 1, 5);
  auto findings = sim.tick();
  ASSERT_GE(count(findings, FindingKind::kVolumeAnomaly), 1) << dump(findings);
  EXPECT_EQ(count(findings, FindingKind::kHeavySource), 0) << dump(findings);
  EXPECT_TRUE(sim.detector().status().anomaly);
}

TEST(Detector, SlowOriginIsStress) {
  Sim sim;
  warmUp(sim);
  std::vector<Finding> findings;
  sim.regulars(5, 100);  // ×5 latency
  findings = sim.tick();
  std::printf("%s", dump(findings).c_str());
  const Finding* f = first(findings, FindingKind::kOriginStress);
  ASSERT_NE(f, nullptr) << dump(findings);
  EXPECT_EQ(findings.size(), 1u) << dump(findings);
  EXPECT_GT(f->rate, 100);
  EXPECT_NEAR(f->baseline, 25, 5);
  EXPECT_NE(f->evidence.find("[over]"), std::string::npos);
  EXPECT_TRUE(sim.detector().status().origin_stress);
  for (int t = 0; t < 15; ++t) {
    sim.regulars();
    EXPECT_EQ(count(sim.tick(), FindingKind::kOriginStress), 0);
  }
  EXPECT_FALSE(sim.detector().status().origin_stress);
}

TEST(Detector, FailingOriginIsStress) {
  Sim sim;
  warmUp(sim);
  sim.regulars();
  for (int i = 0; i < 200; ++i)
    sim.send(IpKey::fromV4(0x0a000001), 100, 0, 1, milliseconds(20), 503);
  auto findings = sim.tick();
  const Finding* f = first(findings, FindingKind::kOriginStress);
  ASSERT_NE(f, nullptr) << dump(findings);
  EXPECT_NEAR(f->share, 200.0 / 1200, 0.02);
}

TEST(Detector, AnAbsolutelyLoudSourceIsAFindingWithoutAnAnomaly) {
  DetectorConfig config;
  config.source.absolute_rate = 300;
  Sim sim(config);
  warmUp(sim);
  sim.regulars();
  for (int r = 0; r < 8; ++r) sim.send(IpKey::fromV4(0x0a0b0c0d), 1, r, 50);  // +40%: no anomaly
  auto findings = sim.tick();
  EXPECT_FALSE(sim.detector().status().anomaly);
  const Finding* f = first(findings, FindingKind::kHeavySource);
  ASSERT_NE(f, nullptr) << dump(findings);
  EXPECT_NE(f->evidence.find("above the absolute limit 300 req/s"), std::string::npos);
}

TEST(Detector, ARegularHeavyClientIsNotBlamedForSomeoneElsesFlood) {
  Sim sim;
  const IpKey nat = IpKey::fromV4(0xac100001);  // a corporate NAT: 300 req/s every day
  for (int t = 0; t < 60; ++t) {
    sim.regulars();
    sim.send(nat, 100, 0, 300);
    ASSERT_TRUE(sim.tick().empty());
  }
  sim.regulars();
  sim.send(nat, 100, 0, 300);
  for (uint32_t i = 0; i < 2000; ++i) sim.send(IpKey::fromV4(0x64000000 + i * 7919), 0xf100d, 2, 2);
  auto findings = sim.tick();
  EXPECT_TRUE(sim.detector().status().anomaly);
  EXPECT_EQ(count(findings, FindingKind::kHeavySource), 0) << dump(findings);
  EXPECT_EQ(count(findings, FindingKind::kHeavyFingerprint), 1) << dump(findings);
}

// Finding → proposed rule → snapshot → request path: the flooder is blocked, a regular is not,
// and a stranger is classed below the regulars while the anomaly lasts.
TEST(Detector, FindingsBecomeEnforceableRules) {
  Sim sim;
  warmUp(sim);
  const IpKey attacker = IpKey::fromV4(0x7f420004);
  sim.regulars();
  sim.send(attacker, 0xbad, 0, 5000);
  std::vector<MitigationRule> rules;
  for (const Finding& f : sim.tick()) {
    if (auto r = proposeRule(f, sim.now())) rules.push_back(std::move(*r));
  }
  ASSERT_EQ(rules.size(), 1u);
  auto set = RuleSet::compile(rules, sim.now());
  const MitigationRule* hit = set->match(attacker, 0xbad, "/", "GET", {}, sim.now());
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->action, RuleAction::kBlock);
  std::printf("rule: %s %s — %s\n", ruleActionName(hit->action), hit->match.describe().c_str(),
              hit->evidence.c_str());
  const IpKey regular = IpKey::fromV4(0x0a000001);
  EXPECT_EQ(set->match(regular, 100, "/", "GET", {}, sim.now()), nullptr);
  const bool anomaly = sim.detector().status().anomaly;
  EXPECT_EQ(classifyRequest(sim.good().isKnownGood(regular, sim.now()), false, anomaly),
            PriorityClass::kKnownGood);
  EXPECT_EQ(
      classifyRequest(sim.good().isKnownGood(IpKey::fromV4(0x01010101), sim.now()), false, anomaly),
      PriorityClass::kUnknown);
}

// The detector's work per tick depends on top-k, not on how many sources there were; memory is
// flat however many sources are fed.
TEST(Detector, WorkAndMemoryAreBoundedByTopKNotBySources) {
  ObservationConfig oc;
  WorkerObservation obs(oc);
  Detector detector;
  MonoTime now{seconds(1000)};
  std::mt19937_64 rng(1);
  auto feed = [&](uint64_t distinct, uint64_t base) {
    for (uint64_t i = 0; i < distinct; ++i) {
      obs.recordRequest(IpKey{0, IpKey::kV4Mapped | static_cast<uint32_t>(mix64(base + i))},
                        rng() % 1000, static_cast<int>(i % 64));
    }
  };
  for (int t = 0; t < 30; ++t) {
    feed(1000, t * 1000);
    now += seconds(1);
    detector.tick(obs, now);
    obs.reset();
  }
  const double small_us = detector.stats().last_tick_us;
  const uint64_t small_examined = detector.stats().hitters_examined;

  const uint64_t rss_before = testing::residentBytes();
  const uint64_t total = testing::scaled(10'000'000);
  const uint64_t per_tick = total / 10;
  double max_big_us = 0;
  uint64_t max_examined = 0;
  for (int t = 0; t < 10; ++t) {
    feed(per_tick, 1'000'000'000ull + t * per_tick);
    now += seconds(1);
    detector.tick(obs, now);
    obs.reset();
    max_big_us = std::max(max_big_us, detector.stats().last_tick_us);
    max_examined = std::max(max_examined, detector.stats().hitters_examined);
  }
  const uint64_t rss_after = testing::residentBytes();
  std::printf(
      "sources fed: %llu distinct; tick: %.1f us at 1k sources/tick, max %.1f us at %llu "
      "sources/tick; hitters examined %llu vs %llu; RSS %.1f -> %.1f MiB; observation %.0f KiB, "
      "detector %.0f KiB\n",
      static_cast<unsigned long long>(total), small_us, max_big_us,
      static_cast<unsigned long long>(per_tick), static_cast<unsigned long long>(small_examined),
      static_cast<unsigned long long>(max_examined), testing::mib(rss_before),
      testing::mib(rss_after), obs.memoryBytes() / 1024.0, detector.memoryBytes() / 1024.0);
  EXPECT_LE(max_examined, 3u * DetectorConfig{}.hitters_read);
  EXPECT_LT(rss_after - std::min(rss_after, rss_before), 4u << 20);
  EXPECT_LT(max_big_us, 20'000);  // generous: a shared machine; typical is far lower
}

}  // namespace
}  // namespace floodgate::shield
