// The defense loop's kernel mirror: which governed rules reach the kernel drop, and when they
// leave it. A real governor and a real eBPF filter (skipped without CAP_BPF); no workers.
#include <gtest/gtest.h>

#include "proxy/defense_loop.h"

namespace floodgate::proxy {
namespace {

shield::IpPrefix prefix(const char* text) { return *shield::IpPrefix::parse(text); }

struct Loop {
  config::Shield shield_config;
  ShieldState state{shield_config, 1};
  governor::Governor governor;
  DefenseLoop loop{{}, &state, &governor};
  kernel::KernelBlocklist kernel{shield_config.kernel_drop};
  MonoTime now = MonoClock::now();

  Loop() { loop.setKernel(&kernel, shield_config.kernel_drop); }
  uint64_t add(const char* source, shield::RuleAction action, bool pinned,
               const char* path = "") {
    governor::OperatorRule op;
    op.match.source = prefix(source);
    op.match.path_prefix = path;
    op.action = action;
    op.rate = action == shield::RuleAction::kBlock ? 0 : 10;
    op.pinned = pinned;
    auto id = governor.addOperatorRule(op, now);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error());
    return id.ok() ? *id : 0;
  }
  void tick() {
    now += std::chrono::seconds(1);
    loop.tick(now);
  }
};

TEST(DefenseLoopKernel, OnlyFullyEnforcedSourceBlocksGoToTheKernel) {
  Loop l;
  if (!l.kernel.active()) GTEST_SKIP() << "kernel drop unavailable: " << l.kernel.inactiveReason();
  uint64_t pinned = l.add("127.0.5.0/24", shield::RuleAction::kBlock, true);
  l.add("127.0.7.1", shield::RuleAction::kRateLimit, true);  // a 429 is user space's answer
  l.add("127.0.8.1", shield::RuleAction::kBlock, true, "/admin");  // needs the request
  // A detector's prefix block, its attack going on: shadow, then canary on a share of the
  // prefix's clients (user space only), then enforced on all of them — and 10 s into that, the
  // kernel too, like the pinned rule 10 s after it was added.
  shield::MitigationRule heavy;
  heavy.match.source = prefix("127.0.6.0/24");
  const uint64_t gated = 4;
  bool saw_canary = false;
  int enforced_at = -1;
  for (int i = 1; i <= 16; ++i) {
    shield::RuleCounts seen{.matched = 900};
    l.governor.propose(heavy, 900, l.now, &seen, std::chrono::seconds(1));
    l.tick();
    auto stage = l.governor.stageOf(gated);
    ASSERT_TRUE(stage.has_value());
    saw_canary = saw_canary || *stage == governor::Stage::kCanary;
    if (*stage == governor::Stage::kEnforced && enforced_at < 0) enforced_at = i;
    size_t expected = (i >= 11 ? 1 : 0) + (enforced_at > 0 && i - enforced_at >= 10 ? 1 : 0);
    EXPECT_EQ(l.kernel.entries(), expected) << "tick " << i << ": " << governor::stageName(*stage);
  }
  EXPECT_TRUE(saw_canary);
  ASSERT_GT(enforced_at, 0);
  ASSERT_LE(enforced_at, 6);
  auto summary = l.loop.describe()["kernel_drop"];
  EXPECT_TRUE(summary["active"].get<bool>());
  EXPECT_EQ(summary["entries"].get<size_t>(), 2u);

  // The operator expires the pinned rule: out of the kernel on the next tick, with the workers.
  ASSERT_TRUE(l.governor.expire(pinned, l.now).ok());
  l.tick();
  EXPECT_EQ(l.kernel.entries(), 1u);
  ASSERT_TRUE(l.governor.expire(gated, l.now).ok());
  l.tick();
  EXPECT_EQ(l.kernel.entries(), 0u);
}

}  // namespace
}  // namespace floodgate::proxy
