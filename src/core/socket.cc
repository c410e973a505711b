#include "core/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace floodgate {
namespace {

Error sysError(const char* what, const SocketAddress& address) {
  return makeError(std::string(what) + " " + address.toString() + ": " + std::strerror(errno));
}

}  // namespace

Result<FileDescriptor> listenTcp(const SocketAddress& address, const ListenOptions& options) {
  FileDescriptor fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("socket for", address);
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.reuse_port) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (address.family() == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  // Accepted sockets inherit it (Linux): no setsockopt per connection.
  setNoDelay(fd.get());
  if (::bind(fd.get(), address.sockaddrPtr(), address.length()) != 0) {
    return sysError("cannot bind", address);
  }
  if (::listen(fd.get(), options.backlog) != 0) return sysError("cannot listen on", address);
  return fd;
}

Result<FileDescriptor> connectTcp(const SocketAddress& to, const SocketAddress* source,
                                  bool* in_progress) {
  FileDescriptor fd(::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("socket for", to);
  setNoDelay(fd.get());
  if (source != nullptr && source->valid()) {
    int one = 1;
    // Many clients from one address range: let the kernel pick ports per (src, dst) pair.
    setsockopt(fd.get(), SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    if (::bind(fd.get(), source->sockaddrPtr(), source->length()) != 0) {
      return sysError("cannot bind source", *source);
    }
  }
  *in_progress = false;
  if (::connect(fd.get(), to.sockaddrPtr(), to.length()) != 0) {
    if (errno != EINPROGRESS) return sysError("cannot connect to", to);
    *in_progress = true;
  }
  return fd;
}

int socketError(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void setNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void setResetOnClose(int fd) {
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

void closeWithReset(int fd) {
  setResetOnClose(fd);
  ::close(fd);
}

SocketAddress localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

SocketAddress peerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace floodgate
