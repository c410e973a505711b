#include "shield/mitigation_rule.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const MonoTime kNow{seconds(5000)};

IpKey ip(const char* text) { return IpKey::parse(text).value(); }
IpPrefix net(const char* text) { return IpPrefix::parse(text).value(); }

MitigationRule rule(uint64_t id, RuleAction action, RuleMatch match,
                    RuleOrigin origin = RuleOrigin::kOperator) {
  MitigationRule r;
  r.id = id;
  r.action = action;
  r.match = std::move(match);
  r.origin = origin;
  r.created_at = kNow;
  return r;
}

struct Headers {
  std::map<std::string, std::string> values;  // lower-case names
  std::optional<std::string_view> operator()(std::string_view name) const {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = values.find(lower);
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

TEST(ProposeRule, EachFindingKindGetsItsAction) {
  Finding source;
  source.kind = FindingKind::kHeavySource;
  source.source = ip("127.66.0.4");
  source.evidence = "source 127.66.0.4: 5000 req/s = 83% of traffic";
  auto r = proposeRule(source, kNow);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->action, RuleAction::kBlock);
  EXPECT_EQ(r->match.source->toString(), "127.66.0.4/32");
  EXPECT_EQ(r->expires_at, kNow + minutes(10));
  EXPECT_EQ(r->origin, RuleOrigin::kDetector);
  EXPECT_EQ(r->evidence, "heavy_source: source 127.66.0.4: 5000 req/s = 83% of traffic");

  Finding prefix;
  prefix.kind = FindingKind::kHeavyPrefix;
  prefix.prefix = net("10.9.8.0/24");
  prefix.baseline = 40;
  r = proposeRule(prefix, kNow);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->action, RuleAction::kRateLimit);
  EXPECT_EQ(r->match.source->toString(), "10.9.8.0/24");
  EXPECT_DOUBLE_EQ(r->rate, 80);
  EXPECT_DOUBLE_EQ(r->burst, 160);

  Finding fp;
  fp.kind = FindingKind::kHeavyFingerprint;
  fp.fingerprint = 0xf100d;
  r = proposeRule(fp, kNow);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->action, RuleAction::kChallenge);
  EXPECT_EQ(*r->match.fingerprint, 0xf100du);
  ProposalConfig limit;
  limit.challenge_fingerprints = false;
  r = proposeRule(fp, kNow, limit);
  EXPECT_EQ(r->action, RuleAction::kRateLimit);
  EXPECT_DOUBLE_EQ(r->rate, 100);

  Finding volume;
  volume.kind = FindingKind::kVolumeAnomaly;
  EXPECT_FALSE(proposeRule(volume, kNow).has_value());
  volume.kind = FindingKind::kOriginStress;
  EXPECT_FALSE(proposeRule(volume, kNow).has_value());
}

TEST(RuleSet, EmptyMatchesNothingCheaply) {
  RuleSet empty;
  testing::AllocationCounter counter;
  EXPECT_EQ(empty.match(ip("1.2.3.4"), 1, "/", "GET", {}, kNow), nullptr);
  EXPECT_EQ(counter.count(), 0u);
  auto compiled = RuleSet::compile({}, kNow);
  EXPECT_TRUE(compiled->empty());
  EXPECT_EQ(compiled->match(ip("1.2.3.4"), 1, "/", "GET", {}, kNow), nullptr);
}

TEST(RuleSet, EveryConditionMustHold) {
  RuleMatch login;
  login.source = net("10.0.0.0/8");
  login.method = "POST";
  login.path_prefix = "/login";
  RuleMatch bot;
  bot.fingerprint = 0xb07;
  bot.header_name = "X-Bot";
  RuleMatch ua;
  ua.header_name = "User-Agent";
  ua.header_value = "evil/1.0";
  RuleMatch v6;
  v6.source = net("2001:db8::/32");
  auto set = RuleSet::compile(
      {rule(1, RuleAction::kRateLimit, login), rule(2, RuleAction::kChallenge, bot),
       rule(3, RuleAction::kBlock, ua), rule(4, RuleAction::kBlock, v6)},
      kNow);
  ASSERT_EQ(set->size(), 4u);
  Headers none;
  Headers with_bot{{{"x-bot", "1"}}};
  Headers evil{{{"user-agent", "evil/1.0"}}};
  Headers good_ua{{{"user-agent", "evil/2.0"}}};

  auto id = [&](const IpKey& k, uint64_t fp, const char* path, const char* method,
                const Headers& h) -> uint64_t {
    const MitigationRule* r = set->match(k, fp, path, method, h, kNow);
    return r == nullptr ? 0 : r->id;
  };
  EXPECT_EQ(id(ip("10.1.2.3"), 0, "/login/form", "POST", none), 1u);
  EXPECT_EQ(id(ip("10.1.2.3"), 0, "/login", "GET", none), 0u);
  EXPECT_EQ(id(ip("10.1.2.3"), 0, "/home", "POST", none), 0u);
  EXPECT_EQ(id(ip("11.1.2.3"), 0, "/login", "POST", none), 0u);
  EXPECT_EQ(id(ip("9.9.9.9"), 0xb07, "/", "GET", with_bot), 2u);
  EXPECT_EQ(id(ip("9.9.9.9"), 0xb07, "/", "GET", none), 0u);
  EXPECT_EQ(id(ip("9.9.9.9"), 0xb08, "/", "GET", with_bot), 0u);
  EXPECT_EQ(id(ip("9.9.9.9"), 0, "/", "GET", evil), 3u);
  EXPECT_EQ(id(ip("9.9.9.9"), 0, "/", "GET", good_ua), 0u);
  EXPECT_EQ(id(ip("2001:db8::7"), 0, "/", "GET", none), 4u);
  EXPECT_EQ(id(ip("2001:db9::7"), 0, "/", "GET", none), 0u);
  // Several match: the strongest action wins.
  EXPECT_EQ(id(ip("10.1.2.3"), 0, "/login", "POST", evil), 3u);
  EXPECT_EQ(id(ip("10.1.2.3"), 0xb07, "/login", "POST", with_bot), 2u);
}

TEST(RuleSet, ExpiresAndRefusesAndStaysBounded) {
  RuleMatch a;
  a.source = net("1.1.1.1/32");
  MitigationRule expiring = rule(1, RuleAction::kBlock, a);
  expiring.expires_at = kNow + seconds(10);
  MitigationRule expired = rule(2, RuleAction::kBlock, a);
  expired.expires_at = kNow;
  MitigationRule everything = rule(3, RuleAction::kBlock, RuleMatch{});
  std::vector<RuleEvent> events;
  auto set = RuleSet::compile({expiring, expired, everything}, kNow, 4096, &events);
  ASSERT_EQ(set->size(), 1u);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, RuleEvent::Kind::kExpired);
  EXPECT_EQ(events[0].rule_id, 2u);
  EXPECT_EQ(events[1].kind, RuleEvent::Kind::kRefused);
  EXPECT_NE(set->match(ip("1.1.1.1"), 0, "/", "GET", {}, kNow + seconds(9)), nullptr);
  EXPECT_EQ(set->match(ip("1.1.1.1"), 0, "/", "GET", {}, kNow + seconds(10)), nullptr);

  // Over the cap: detector rules go first, oldest first; operator rules stay.
  std::vector<MitigationRule> many;
  for (uint32_t i = 0; i < 10; ++i) {
    RuleMatch m;
    m.source = IpPrefix::host(IpKey::fromV4(0x0a000000 + i));
    MitigationRule r =
        rule(100 + i, RuleAction::kBlock, m, i < 3 ? RuleOrigin::kOperator : RuleOrigin::kDetector);
    r.created_at = kNow - seconds(100 - i);
    many.push_back(r);
  }
  events.clear();
  set = RuleSet::compile(many, kNow, 6, &events);
  EXPECT_EQ(set->size(), 6u);
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].kind, RuleEvent::Kind::kDropped);
    EXPECT_EQ(events[i].rule_id, 103u + i);  // the oldest detector rules
  }
  EXPECT_EQ(events[0].reason, "rule set full (6 rules): dropped as the least useful");
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_NE(set->match(IpKey::fromV4(0x0a000000 + i), 0, "/", "GET", {}, kNow), nullptr);
  }
}

TEST(RuleSet, IndexedMatchingDoesNotAllocateOrScan) {
  std::vector<MitigationRule> rules;
  for (uint32_t i = 0; i < 4000; ++i) {
    RuleMatch m;
    if (i % 2 == 0) {
      m.source = IpPrefix::host(IpKey::fromV4(0x0b000000 + i));
    } else {
      m.fingerprint = 0x1000 + i;
    }
    rules.push_back(rule(i + 1, RuleAction::kRateLimit, m, RuleOrigin::kDetector));
  }
  RuleMatch p24;
  p24.source = net("12.0.0.0/24");
  rules.push_back(rule(9000, RuleAction::kBlock, p24));
  auto set = RuleSet::compile(rules, kNow);
  ASSERT_EQ(set->size(), 4001u);
  Headers none;
  testing::AllocationCounter counter;
  const double start = testing::threadCpuNanos();
  uint64_t hits = 0;
  constexpr int kLookups = 200'000;
  for (int i = 0; i < kLookups; ++i) {
    const uint32_t n = static_cast<uint32_t>(i % 8000);
    const MitigationRule* r =
        set->match(IpKey::fromV4(0x0b000000 + n), 0x1000 + n, "/x", "GET", none, kNow);
    hits += r != nullptr;
  }
  const double ns = (testing::threadCpuNanos() - start) / kLookups;
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_EQ(hits, 100'000u);  // n < 4000: even n by source, odd n by fingerprint
  EXPECT_EQ(set->match(ip("12.0.0.77"), 0, "/", "GET", none, kNow)->id, 9000u);
  std::printf("match over 4001 indexed rules: %.0f ns per request; set %.0f KiB\n", ns,
              set->memoryBytes() / 1024.0);
}

}  // namespace
}  // namespace floodgate::shield

namespace floodgate::shield {
namespace {

TEST(RuleSet, DecideCountsShadowAndCanaryAndSparesKnownGood) {
  MitigationRule shadow = rule(1, RuleAction::kBlock, {.source = net("203.0.113.0/24")});
  shadow.fraction = 0;
  shadow.tally = 0;
  MitigationRule canary = rule(2, RuleAction::kRateLimit, {.path_prefix = "/api"});
  canary.fraction = 0.25;
  canary.tally = 1;
  MitigationRule narrowed = rule(3, RuleAction::kChallenge, {.method = "POST"});
  narrowed.spare_known_good = true;
  narrowed.tally = 2;
  auto set = RuleSet::compile({shadow, canary, narrowed}, kNow);
  RuleTally tally;
  int canary_hits = 0;
  for (int i = 0; i < 1000; ++i) {
    IpKey client = IpKey::fromV4(0xCB007100u + static_cast<uint32_t>(i % 256) +
                             (static_cast<uint32_t>(i / 256) << 8));
    const MitigationRule* hit = set->decide(client, 0, "/api/x", "GET", {}, kNow, false, &tally);
    ASSERT_TRUE(hit == nullptr || hit->id == 2);  // the shadow block never decides
    canary_hits += hit != nullptr ? 1 : 0;
    // Consistent: the same client gets the same answer.
    EXPECT_EQ(hit, set->decide(client, 0, "/api/x", "GET", {}, kNow, false, nullptr));
  }
  EXPECT_GT(canary_hits, 150);
  EXPECT_LT(canary_hits, 350);
  EXPECT_EQ(tally.at(1).matched, 1000u);
  EXPECT_EQ(tally.at(1).enforced, static_cast<uint64_t>(canary_hits));
  EXPECT_EQ(tally.at(0).matched, 256u);  // the clients inside 203.0.113.0/24
  EXPECT_EQ(tally.at(0).enforced, 0u);
  // A narrowed rule counts a known-good client's match but never acts on it.
  EXPECT_EQ(set->decide(ip("10.0.0.1"), 0, "/", "POST", {}, kNow, true, &tally), nullptr);
  EXPECT_EQ(set->decide(ip("10.0.0.1"), 0, "/", "POST", {}, kNow, false, &tally)->id, 3u);
  EXPECT_EQ(tally.at(2).matched, 2u);
  EXPECT_EQ(tally.at(2).matched_known_good, 1u);
  EXPECT_EQ(tally.at(2).enforced, 1u);
  EXPECT_EQ(tally.at(2).enforced_known_good, 0u);
}

TEST(RuleSet, DecideDoesNotAllocate) {
  MitigationRule canary = rule(1, RuleAction::kBlock, {.source = net("203.0.113.0/24")});
  canary.fraction = 0.5;
  canary.tally = 0;
  auto set = RuleSet::compile({canary}, kNow);
  RuleTally tally;
  testing::AllocationCounter allocations;
  for (uint32_t i = 0; i < 256; ++i) {
    (void)set->decide(IpKey::fromV4(0xCB007100u + i), 0, "/", "GET", {}, kNow, i % 2 == 0, &tally);
  }
  EXPECT_EQ(allocations.count(), 0u);
  EXPECT_EQ(tally.at(0).matched, 256u);
}

}  // namespace
}  // namespace floodgate::shield
