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
  l.add("127.0.6.1", shield::RuleAction::kBlock, false);  // walks the gates: shadow, canary...
  l.add("127.0.7.1", shield::RuleAction::kRateLimit, true);  // a 429 is user space's answer
  l.add("127.0.8.1", shield::RuleAction::kBlock, true, "/admin");  // needs the request
  // The gated rule is in the kernel exactly while enforced on everyone (never in shadow or
  // canary, where only a share of its clients is refused, in user space).
  auto gated = [&] {
    auto stage = l.governor.stageOf(2);
    return stage && *stage == governor::Stage::kEnforced ? 1u : 0u;
  };
  for (int i = 0; i < 8; ++i) {
    l.tick();
    EXPECT_EQ(l.kernel.entries(), 1u + gated()) << "tick " << i;
  }
  auto summary = l.loop.describe()["kernel_drop"];
  EXPECT_TRUE(summary["active"].get<bool>());
  EXPECT_EQ(summary["entries"].get<size_t>(), 1u + gated());

  // The operator expires the pinned rule: out of the kernel on the next tick, with the workers.
  ASSERT_TRUE(l.governor.expire(pinned, l.now).ok());
  l.tick();
  EXPECT_EQ(l.kernel.entries(), gated());
}

}  // namespace
}  // namespace floodgate::proxy
