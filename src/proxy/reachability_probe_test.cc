#include "proxy/reachability_probe.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace floodgate::proxy {
namespace {

// A loopback port that is bound but never listens: connecting to it is refused.
struct RefusingPort {
  RefusingPort() {
    fd = FileDescriptor(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    address = localAddress(fd.get());
  }
  FileDescriptor fd;
  SocketAddress address;
};

// Runs one probe round and lets the loop deliver the connects' outcomes, then ends the round.
void probeOnce(EventLoop& loop, ReachabilityProbe& probe) {
  probe.round();
  for (int i = 0; i < 20; ++i) loop.runOnce(10);
}

TEST(ReachabilityProbe, ListeningIsReachableRefusedIsNot) {
  EventLoop loop;
  auto listening = listenTcp(*SocketAddress::parse("127.0.0.1:0"));
  ASSERT_TRUE(listening.ok());
  SocketAddress open = localAddress(listening->get());
  RefusingPort closed;
  ReachabilityProbe probe(&loop, {open, closed.address});
  EXPECT_FALSE(probe.reachable(0));  // no verdict before a round
  probeOnce(loop, probe);
  EXPECT_TRUE(probe.reachable(0));
  EXPECT_FALSE(probe.reachable(1));

  listening->reset();  // the endpoint goes away
  probeOnce(loop, probe);
  EXPECT_FALSE(probe.reachable(0));
}

}  // namespace
}  // namespace floodgate::proxy
