#include "proxy/acceptor.h"

#include <sys/socket.h>

#include <cerrno>

#include "core/log.h"
#include "proxy/client_connection.h"
#include "proxy/worker.h"

namespace floodgate::proxy {
namespace {
constexpr int kAcceptBatch = 64;  // then let the loop serve the connections it already has
constexpr Duration kFdExhaustionPause = milliseconds(100);
}  // namespace

Acceptor::Acceptor(Worker* worker, std::string name, FileDescriptor fd)
    : worker_(worker), name_(std::move(name)), fd_(std::move(fd)) {
  resume_timer_.setCallback([this] {
    paused_ = false;
    (void)worker_->loop().add(fd_.get(), EPOLLIN, this);
  });
}

Acceptor::~Acceptor() {
  if (!paused_) worker_->loop().remove(fd_.get());
}

bool Acceptor::start() { return worker_->loop().add(fd_.get(), EPOLLIN, this).ok(); }

void Acceptor::pause() {
  if (paused_) return;
  paused_ = true;
  ++pauses_;
  worker_->loop().remove(fd_.get());
  worker_->loop().schedule(&resume_timer_, kFdExhaustionPause);
  spdlog::warn("listener {}: out of file descriptors, pausing accept for 100 ms", name_);
}

bool Acceptor::admit(int fd, const std::optional<shield::IpKey>& key, bool* tracked) {
  // The cheapest refusal there is: before a byte is read, with a reset instead of a FIN.
  const ShieldPolicy& policy = worker_->snapshot()->shield;
  ShieldState& state = worker_->shield();
  MonoTime now = worker_->loop().now();
  if (policy.enabled && key) {
    if (policy.blocklist->contains(*key, now) ||
        (policy.detect && worker_->detectorBlocklist().contains(*key, now))) {
      closeWithReset(fd);
      worker_->counters().count(Rejection::kBlocklisted);
      return false;
    }
    shield::OpenDecision d = state.connections().tryOpen(*key, now);
    if (!d.allowed) {
      closeWithReset(fd);
      worker_->counters().count(d.reason == shield::OpenVerdict::kTooManyNew
                                    ? Rejection::kTooManyNew
                                    : Rejection::kTooManyConcurrent);
      return false;
    }
    *tracked = d.tracked;
  }
  if (!state.claimConnection()) {
    if (*tracked) state.connections().close(*key);
    closeWithReset(fd);
    worker_->counters().count(Rejection::kOverBudget);
    worker_->shedIdle();
    return false;
  }
  return true;
}

void Acceptor::onIoEvent(uint32_t) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause();
      return;
    }
    auto key = shield::IpKey::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    bool tracked = false;
    if (!admit(fd, key, &tracked)) continue;  // (TCP_NODELAY comes from the listener)
    auto* conn = new ClientConnection(
        worker_, FileDescriptor(fd),
        SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len), key, tracked);
    conn->setListener(name_);
    worker_->adopt(conn);
    conn->start();
  }
}

}  // namespace floodgate::proxy
