// Helpers for the kernel filter's tests: real loopback listeners and connection attempts.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <string>

#include "core/socket.h"
#include "kernel/socket_filter.h"
#include "shield/ip_prefix.h"

namespace floodgate::kernel {

inline shield::IpPrefix prefix(const char* text) {
  auto p = shield::IpPrefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : shield::IpPrefix{};
}

inline SocketAddress address(const char* text) {
  auto a = SocketAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : SocketAddress{};
}

// Whether a connection from `source` to `to` completes within 300 ms (a dropped SYN is
// retried only after a second, so a blocked source never does).
inline bool connects(const SocketAddress& to, const char* source) {
  SocketAddress from = address(source);
  bool in_progress = false;
  auto fd = connectTcp(to, &from, &in_progress);
  if (!fd.ok()) return false;
  if (in_progress) {
    pollfd p{fd->get(), POLLOUT, 0};
    if (::poll(&p, 1, 300) != 1) return false;
  }
  return socketError(fd->get()) == 0;
}

struct Listener {
  FileDescriptor fd;
  SocketAddress bound;
};

inline Listener listenPlain(const char* text) {
  auto fd = listenTcp(address(text));
  EXPECT_TRUE(fd.ok()) << (fd.ok() ? "" : fd.error());
  if (!fd.ok()) return {};
  SocketAddress bound = localAddress(fd->get());
  return {std::move(*fd), bound};
}

inline Listener listenOn(const char* text, const SocketFilter& filter) {
  Listener l = listenPlain(text);
  if (!l.fd.valid()) return l;
  Status attached = filter.attach(l.fd.get());
  EXPECT_TRUE(attached.ok()) << attached.error();
  return l;
}

}  // namespace floodgate::kernel
