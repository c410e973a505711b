#include "storm/slot.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/socket.h"

namespace floodgate::storm {

Slot::~Slot() {
  if (fd_ >= 0) ::close(fd_);
}

Count Slot::classifyErrno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return Count::kRefused;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return Count::kReset;
    case ETIMEDOUT:
      return Count::kTimeout;
    case EADDRNOTAVAIL:
    case EADDRINUSE:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return Count::kLocalError;
    default:
      return Count::kReset;
  }
}

Count Slot::connectFrom(const SocketAddress& source) {
  Counters& c = g_->counters();
  ++c[Count::kConnects];
  bool in_progress = false;
  errno = 0;
  auto fd = connectTcp(g_->worker->target, &source, &in_progress);
  if (!fd.ok()) {
    last_errno_ = errno;
    return classifyErrno(last_errno_);
  }
  fd_ = fd->release();
  connecting_ = true;
  if (!g_->loop().add(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this).ok()) {
    last_errno_ = errno;
    ::close(fd_);
    fd_ = -1;
    connecting_ = false;
    return Count::kLocalError;
  }
  ++g_->open;
  return Count::kEnd;
}

void Slot::closeConnection(bool reset) {
  if (fd_ < 0) return;
  // close() takes the descriptor out of epoll; events of this batch for it cannot follow,
  // because a slot's socket is closed only from its own event or from a timer.
  if (reset) {
    closeWithReset(fd_);
  } else {
    ::close(fd_);
  }
  fd_ = -1;
  connecting_ = false;
  --g_->open;
  out_len_ = out_pos_ = 0;
  in_.clear();
  in_.release();
}

void Slot::setOutput(std::string_view head, std::string_view body) {
  out_[0] = {const_cast<char*>(head.data()), head.size()};
  out_[1] = {const_cast<char*>(body.data()), body.size()};
  out_len_ = head.size() + body.size();
  out_pos_ = 0;
}

bool Slot::flushOutput() {
  while (out_pos_ < out_len_) {
    iovec iov[2];
    int n = 0;
    size_t skip = out_pos_;
    for (const auto& piece : out_) {
      if (skip >= piece.iov_len) {
        skip -= piece.iov_len;
        continue;
      }
      iov[n++] = {static_cast<char*>(piece.iov_base) + skip, piece.iov_len - skip};
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;  // EPOLLOUT will say when
      last_errno_ = errno;
      return false;
    }
    out_pos_ += static_cast<size_t>(w);
    g_->counters()[Count::kBytesOut] += static_cast<uint64_t>(w);
  }
  return true;
}

Slot::ReadResult Slot::readSome() {
  for (;;) {
    if (in_.writable() < 2048) in_.reserve(Buffer::kBlockSize / 2);
    size_t room = in_.writable();
    ssize_t r = ::read(fd_, in_.writePtr(), room);
    if (r > 0) {
      in_.commit(static_cast<size_t>(r));
      g_->counters()[Count::kBytesIn] += static_cast<uint64_t>(r);
      // A short read drained the socket; edge-triggered epoll reports the next arrival.
      return static_cast<size_t>(r) < room ? ReadResult::kDrained : ReadResult::kMore;
    }
    if (r == 0) return ReadResult::kEof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadResult::kDrained;
    last_errno_ = errno;
    return ReadResult::kError;
  }
}

void Slot::onIoEvent(uint32_t events) {
  if (fd_ < 0) return;
  if (connecting_) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = socketError(fd_);
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) != 0) err = ECONNRESET;
    if (err != 0) {
      last_errno_ = err;
      closeConnection(true);
      onConnectFailed(classifyErrno(err));
      return;
    }
    connecting_ = false;
    ++g_->counters()[Count::kConnected];
    onConnected();
    if (fd_ < 0) return;
  }
  if ((events & EPOLLOUT) != 0 && outputPending()) {
    onWritable();
    if (fd_ < 0) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) onReadable();
}

}  // namespace floodgate::storm
