#include "core/socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <sys/epoll.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace floodgate {
namespace {

int noDelay(int fd) {
  int value = -1;
  socklen_t len = sizeof(value);
  EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len), 0);
  return value;
}

// The acceptor no longer sets TCP_NODELAY on each connection: it relies on this.
TEST(Socket, AcceptedConnectionsInheritNoDelayFromTheListener) {
  auto listener = listenTcp(*SocketAddress::parse("127.0.0.1:0"), {.reuse_port = false});
  ASSERT_TRUE(listener.ok()) << listener.error();
  EXPECT_EQ(noDelay(listener->get()), 1);
  SocketAddress at = localAddress(listener->get());
  bool in_progress = false;
  auto client = connectTcp(at, nullptr, &in_progress);
  ASSERT_TRUE(client.ok());
  int accepted = -1;
  for (int i = 0; i < 1000 && accepted < 0; ++i) {
    accepted = ::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (accepted < 0) usleep(1000);
  }
  ASSERT_GE(accepted, 0);
  FileDescriptor owned(accepted);
  EXPECT_NE(noDelay(accepted), 0);
}

// The descriptors epoll instance `epfd` watches, from /proc/self/fdinfo.
std::set<int> watched(int epfd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(epfd));
  std::string line;
  std::set<int> fds;  // the kernel lists them in its own order
  while (std::getline(in, line)) {
    if (line.rfind("tfd:", 0) == 0) fds.insert(std::atoi(line.c_str() + 4));
  }
  return fds;
}

// Connections are closed without epoll_ctl(DEL) (EventLoop::remove): the close must be enough.
TEST(Socket, ClosingADescriptorTakesItOutOfEpoll) {
  FileDescriptor epfd(epoll_create1(EPOLL_CLOEXEC));
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
  FileDescriptor kept(pair[0]), closed(pair[1]);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ASSERT_EQ(epoll_ctl(epfd.get(), EPOLL_CTL_ADD, kept.get(), &ev), 0);
  ASSERT_EQ(epoll_ctl(epfd.get(), EPOLL_CTL_ADD, closed.get(), &ev), 0);
  ASSERT_EQ(watched(epfd.get()), (std::set<int>{kept.get(), closed.get()}));
  closed.reset();
  EXPECT_EQ(watched(epfd.get()), std::set<int>{kept.get()});
}

}  // namespace
}  // namespace floodgate
