#include "kernel/kernel_blocklist.h"

#include <gtest/gtest.h>

#include "kernel/test_support.h"
#include "telemetry/registry.h"

namespace floodgate::kernel {
namespace {

MonoTime at(int64_t s) { return MonoTime(std::chrono::seconds(1000 + s)); }

config::KernelDrop small() {
  config::KernelDrop c;
  c.max_entries = 16;
  return c;
}

#define ACTIVE_OR_SKIP(kb)                                                         \
  if (!(kb).active()) GTEST_SKIP() << "kernel drop unavailable: " << (kb).inactiveReason()

std::shared_ptr<const shield::Blocklist> blocklist(const char* text, MonoTime expires) {
  shield::BlocklistBuilder b;
  b.add(prefix(text), expires, shield::BlockOrigin::kOperator, "test");
  return b.build(1);
}

struct Served {
  Listener listener;
  SocketAddress to;
};

Served serve(KernelBlocklist& kb) {
  Served s{listenPlain("127.0.0.1:0"), {}};
  s.to = s.listener.bound;
  EXPECT_TRUE(kb.attach(s.listener.fd.get(), "test"));
  return s;
}

TEST(KernelBlocklist, MirrorsTheBlocklistWithItsExpiry) {
  KernelBlocklist kb(small());
  ACTIVE_OR_SKIP(kb);
  Served s = serve(kb);
  kb.setBlocklist(blocklist("127.0.1.0/24", at(10)));
  kb.sync({}, at(0));
  EXPECT_EQ(kb.entries(), 1u);
  EXPECT_FALSE(connects(s.to, "127.0.1.9:0"));
  EXPECT_TRUE(connects(s.to, "127.0.2.9:0"));
  EXPECT_TRUE(kb.collectDrops().empty());  // blocklist drops have no owner...
  EXPECT_GE(kb.drops(DropReason::kBlocklist), 1u);  // ...but count
  kb.sync({}, at(10));  // expired: let through again
  EXPECT_EQ(kb.entries(), 0u);
  EXPECT_TRUE(connects(s.to, "127.0.1.9:0"));
}

TEST(KernelBlocklist, DynamicEntriesComeAndGoWithTheirOwners) {
  KernelBlocklist kb(small());
  ACTIVE_OR_SKIP(kb);
  Served s = serve(kb);
  std::vector<KernelBlocklist::Entry> dynamic = {
      {prefix("127.0.3.1"), DropReason::kRule, 7},
      {prefix("127.0.3.2"), DropReason::kEscalated, 0}};
  kb.sync(dynamic, at(0));
  EXPECT_EQ(kb.entries(), 2u);
  EXPECT_FALSE(connects(s.to, "127.0.3.1:0"));
  EXPECT_FALSE(connects(s.to, "127.0.3.2:0"));
  EXPECT_FALSE(connects(s.to, "127.0.3.2:0"));
  auto by_owner = kb.collectDrops();
  EXPECT_GE(by_owner[7], 1u);
  EXPECT_EQ(by_owner.count(0), 0u);  // escalations are not a rule's
  EXPECT_GE(kb.drops(DropReason::kEscalated), 2u);
  EXPECT_TRUE(kb.collectDrops().empty());  // counted once

  // The rule goes (relaxing, expired): its source is let through in the same sync.
  dynamic.erase(dynamic.begin());
  kb.sync(dynamic, at(1));
  EXPECT_EQ(kb.entries(), 1u);
  EXPECT_TRUE(connects(s.to, "127.0.3.1:0"));
  EXPECT_FALSE(connects(s.to, "127.0.3.2:0"));
  // A new rule for the same address takes a fresh counter.
  kb.sync({{prefix("127.0.3.1"), DropReason::kRule, 8}}, at(2));
  EXPECT_FALSE(connects(s.to, "127.0.3.1:0"));
  by_owner = kb.collectDrops();
  EXPECT_GE(by_owner[8], 1u);
  EXPECT_EQ(by_owner.count(7), 0u);
}

TEST(KernelBlocklist, StaysWithinItsMapsAndExportsItsCounters) {
  KernelBlocklist kb(small());
  ACTIVE_OR_SKIP(kb);
  std::vector<KernelBlocklist::Entry> many;
  for (uint32_t i = 0; i < 40; ++i) {
    many.push_back({shield::IpPrefix::host(shield::IpKey::fromV4(0x0a000000u + i)),
                    DropReason::kEscalated, 0});
  }
  kb.sync(many, at(0));  // the maps hold 16: the rest stay with the accept-time check
  EXPECT_EQ(kb.entries(), 16u);
  telemetry::Registry registry(1);
  kb.registerMetrics(&registry);
  std::string text = registry.exposition();
  EXPECT_NE(text.find("floodgate_rejections_total{stage=\"kernel\",reason=\"escalated\"} 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("floodgate_kernel_blocklist_entries 16"), std::string::npos) << text;
}

TEST(KernelBlocklist, DisabledDoesNothing) {
  config::KernelDrop off = small();
  off.enabled = false;
  KernelBlocklist kb(off);
  EXPECT_FALSE(kb.active());
  Listener l = listenPlain("127.0.0.1:0");
  EXPECT_FALSE(kb.attach(l.fd.get(), "test"));
  kb.sync({{prefix("127.0.0.1"), DropReason::kRule, 1}}, at(0));
  EXPECT_EQ(kb.entries(), 0u);
  EXPECT_TRUE(connects(l.bound, "127.0.0.1:0"));
}

}  // namespace
}  // namespace floodgate::kernel
