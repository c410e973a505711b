#include "kernel/socket_filter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "kernel/test_support.h"

namespace floodgate::kernel {
namespace {

// The filter needs CAP_BPF; without it the tests say so and skip.
std::unique_ptr<SocketFilter> makeFilter() {
  bool denied = false;
  auto filter = SocketFilter::create(64, &denied);
  if (!filter.ok()) {
    EXPECT_TRUE(denied) << filter.error();
    return nullptr;
  }
  return std::move(*filter);
}

#define FILTER_OR_SKIP(name)                                                     \
  auto name = makeFilter();                                                      \
  if (!name) GTEST_SKIP() << "bpf(2) refused (no CAP_BPF): kernel filter untested"

TEST(SocketFilter, DropsTheSynOfABlockedSourceOnly) {
  FILTER_OR_SKIP(filter);
  Listener l = listenOn("0.0.0.0:0", *filter);
  SocketAddress to = address(("127.0.0.1:" + std::to_string(l.bound.port())).c_str());
  ASSERT_TRUE(filter->add(prefix("127.0.0.2"), 7).ok());
  EXPECT_FALSE(connects(to, "127.0.0.2:0"));
  EXPECT_TRUE(connects(to, "127.0.0.3:0"));
  EXPECT_GE(filter->drops(7), 1u);
  EXPECT_EQ(filter->drops(8), 0u);

  EXPECT_TRUE(filter->remove(prefix("127.0.0.2")));
  EXPECT_FALSE(filter->remove(prefix("127.0.0.2")));
  EXPECT_TRUE(connects(to, "127.0.0.2:0"));
  filter->resetSlot(7);
  EXPECT_EQ(filter->drops(7), 0u);
}

TEST(SocketFilter, MatchesTheLongestPrefixAcrossSharedListeners) {
  FILTER_OR_SKIP(filter);
  // Two SO_REUSEPORT sockets on one port: each needs the filter, each drops.
  Listener a = listenOn("127.0.0.1:0", *filter);
  Listener b = listenOn(("127.0.0.1:" + std::to_string(a.bound.port())).c_str(), *filter);
  ASSERT_TRUE(filter->add(prefix("127.0.9.0/24"), 1).ok());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(connects(a.bound, "127.0.9.5:0"));
  EXPECT_TRUE(connects(a.bound, "127.0.8.5:0"));
  EXPECT_GE(filter->drops(1), 4u);
  ASSERT_TRUE(filter->add(prefix("127.0.9.7"), 5).ok());  // the /32 inside the /24 counts apart
  EXPECT_FALSE(connects(a.bound, "127.0.9.7:0"));
  EXPECT_GE(filter->drops(5), 1u);
  // An IPv4-mapped prefix is an IPv4 one; adding it again moves it to another slot.
  ASSERT_TRUE(filter->add(prefix("::ffff:127.0.9.0/120"), 2).ok());
  EXPECT_FALSE(connects(a.bound, "127.0.9.6:0"));
  EXPECT_GE(filter->drops(2), 1u);
}

// Attempts from each of `sources` at once; after 300 ms (a dropped SYN is retried only after a
// second), which ones connected.
std::vector<bool> connectAll(const SocketAddress& to, const std::vector<std::string>& sources) {
  std::vector<FileDescriptor> fds;
  for (const auto& source : sources) {
    SocketAddress from = address(source.c_str());
    bool in_progress = false;
    auto fd = connectTcp(to, &from, &in_progress);
    fds.push_back(fd.ok() ? std::move(*fd) : FileDescriptor());
  }
  ::usleep(300'000);
  std::vector<bool> connected;
  for (const auto& fd : fds) {
    pollfd p{fd.get(), POLLOUT, 0};
    connected.push_back(fd.valid() && ::poll(&p, 1, 0) == 1 && socketError(fd.get()) == 0);
  }
  return connected;
}

TEST(SocketFilter, AProbationLetsTheSameSampleOfItsSourcesThrough) {
  FILTER_OR_SKIP(filter);
  Listener l = listenOn("127.0.0.1:0", *filter);
  std::vector<std::string> sources;
  for (int i = 1; i <= 96; ++i) sources.push_back("127.0.12." + std::to_string(i) + ":0");
  ASSERT_TRUE(filter->add(prefix("127.0.12.0/24"), 9, 7).ok());  // one in eight passes
  std::vector<bool> first = connectAll(l.bound, sources);
  int passed = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    auto source = shield::IpKey::fromV4(0x7f000c00u + static_cast<uint32_t>(i + 1));
    EXPECT_EQ(first[i], SocketFilter::passes(source, 9, 7)) << sources[i];
    passed += first[i];
  }
  EXPECT_GE(passed, 4) << "one in eight of 96";
  EXPECT_LE(passed, 24) << "one in eight of 96";
  EXPECT_GE(filter->drops(9), static_cast<uint64_t>(96 - passed));
  EXPECT_EQ(connectAll(l.bound, sources), first);  // the same ones again
  // Back to a full drop in place: none passes.
  ASSERT_TRUE(filter->add(prefix("127.0.12.0/24"), 9, 0).ok());
  for (bool c : connectAll(l.bound, sources)) EXPECT_FALSE(c);
}

TEST(SocketFilter, BlocksIpv6Sources) {
  FILTER_OR_SKIP(filter);
  Listener l = listenOn("[::1]:0", *filter);
  if (!l.fd.valid()) GTEST_SKIP() << "no IPv6 loopback";
  EXPECT_TRUE(connects(l.bound, "[::1]:0"));
  ASSERT_TRUE(filter->add(prefix("::1"), 3).ok());
  EXPECT_FALSE(connects(l.bound, "[::1]:0"));
  EXPECT_GE(filter->drops(3), 1u);
  EXPECT_FALSE(filter->add(prefix("::1"), SocketFilter::kSlots).ok());
}

}  // namespace
}  // namespace floodgate::kernel
