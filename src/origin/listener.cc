#include "origin/listener.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"

namespace floodgate::origin {
namespace {

constexpr auto kPauseOnExhaustion = std::chrono::milliseconds(100);
constexpr auto kWarningInterval = std::chrono::seconds(10);  // one line, not ten a second

}  // namespace

Listener::Listener(EventLoop* loop, FileDescriptor fd, AcceptFn on_accept)
    : loop_(loop), fd_(std::move(fd)), on_accept_(std::move(on_accept)) {
  resume_.setCallback([this] {
    paused_ = false;
    acceptAll();
  });
}

Listener::~Listener() {
  loop_->cancel(&resume_);
  if (fd_.valid()) loop_->remove(fd_.get());
}

Status Listener::start() { return loop_->add(fd_.get(), EPOLLIN | EPOLLET, this); }

void Listener::acceptAll() {
  if (paused_) return;
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd =
        ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      on_accept_(FileDescriptor(fd),
                 SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len));
      continue;
    }
    switch (errno) {
      case EAGAIN:
        return;
      case EINTR:
      case ECONNABORTED:
      case EPROTO:
        continue;
      default:
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the queue stays full and epoll (edge-triggered) will
        // not tell us again, so retry on a timer rather than spin or stall.
        if (loop_->now() - last_warning_ >= kWarningInterval) {
          spdlog::warn("origin: accept failed: {}; pausing accepts for 100 ms at a time",
                       std::strerror(errno));
          last_warning_ = loop_->now();
        }
        paused_ = true;
        loop_->schedule(&resume_, kPauseOnExhaustion);
        return;
    }
  }
}

}  // namespace floodgate::origin
