// Thin layer over BSD sockets: an owning descriptor and the few calls floodgate needs.
#pragma once

#include <unistd.h>

#include <utility>

#include "core/result.h"
#include "core/socket_address.h"

namespace floodgate {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct ListenOptions {
  bool reuse_port = true;
  int backlog = 4096;
};

// A non-blocking listening TCP socket, with TCP_NODELAY for the connections it accepts.
Result<FileDescriptor> listenTcp(const SocketAddress& address, const ListenOptions& options = {});

// Starts a non-blocking connect. `source` (may be null) binds the local address first, so a
// load generator can play many clients from 127.x.y.z. `*in_progress` tells whether the caller
// must wait for writability.
Result<FileDescriptor> connectTcp(const SocketAddress& to, const SocketAddress* source,
                                  bool* in_progress);

// The pending error of a socket after a non-blocking connect (0 when connected).
int socketError(int fd);
void setNoDelay(int fd);
// Makes the socket's close send a TCP reset instead of a FIN (SO_LINGER with a zero timeout):
// nothing is retransmitted and no orphaned socket is left behind in FIN-WAIT.
void setResetOnClose(int fd);
// Closes with a TCP reset instead of a FIN: the cheapest way to refuse a connection.
void closeWithReset(int fd);
SocketAddress localAddress(int fd);
SocketAddress peerAddress(int fd);

}  // namespace floodgate
