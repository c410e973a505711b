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
  // prefix's clients (user space only), then enforced on all of them (the kernel too).
  shield::MitigationRule heavy;
  heavy.match.source = prefix("127.0.6.0/24");
  const uint64_t gated = 4;
  bool saw_canary = false, saw_enforced = false;
  for (int i = 0; i < 8; ++i) {
    shield::RuleCounts seen{.matched = 900};
    l.governor.propose(heavy, 900, l.now, &seen, std::chrono::seconds(1));
    l.tick();
    auto stage = l.governor.stageOf(gated);
    ASSERT_TRUE(stage.has_value());
    const bool enforced = *stage == governor::Stage::kEnforced;
    saw_canary = saw_canary || *stage == governor::Stage::kCanary;
    saw_enforced = saw_enforced || enforced;
    EXPECT_EQ(l.kernel.entries(), enforced ? 2u : 1u)
        << "tick " << i << ": " << governor::stageName(*stage);
  }
  EXPECT_TRUE(saw_canary);
  EXPECT_TRUE(saw_enforced);
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
