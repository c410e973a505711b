#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <algorithm>

namespace floodgate::proxy {

namespace {
constexpr uint32_t kUpstreamEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
}

UpstreamConnection::UpstreamConnection(EndpointPool* pool, FileDescriptor fd, bool connecting)
    : can_write(!connecting), pool_(pool), fd_(std::move(fd)), connecting_(connecting) {
  timer_.setCallback([this] {
    if (idle_) {
      pool_->dropIdle(this);
    } else if (user_ != nullptr) {
      user_->onUpstreamTimeout(this);
    }
  });
}

UpstreamConnection::~UpstreamConnection() = default;

void UpstreamConnection::armTimer(Duration after) { pool_->loop()->schedule(&timer_, after); }
void UpstreamConnection::cancelTimer() { pool_->loop()->cancel(&timer_); }

void UpstreamConnection::onIoEvent(uint32_t events) {
  if (idle_) {
    // An idle keep-alive connection has nothing to say: any input or hang-up ends it.
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) pool_->dropIdle(this);
    return;
  }
  if (user_ != nullptr) user_->onUpstreamEvent(this, events);
}

EndpointPool::EndpointPool(EventLoop* loop, SocketAddress address)
    : loop_(loop), address_(std::move(address)) {}

EndpointPool::~EndpointPool() {
  for (auto* conn : idle_) delete conn;  // closing the descriptor leaves the epoll set
}

UpstreamConnection* EndpointPool::acquire(UpstreamUser* user, int max_connections,
                                          const char** error) {
  while (!idle_.empty()) {
    UpstreamConnection* conn = idle_.back();
    idle_.pop_back();
    conn->idle_ = false;
    conn->cancelTimer();
    conn->user_ = user;
    ++conn->requests_;
    return conn;
  }
  if (total_ >= max_connections) {
    *error = "upstream connection limit reached";
    return nullptr;
  }
  bool in_progress = false;
  auto fd = connectTcp(address_, nullptr, &in_progress);
  if (!fd) {
    *error = "upstream connect failed";
    return nullptr;
  }
  auto* conn = new UpstreamConnection(this, std::move(*fd), in_progress);
  if (!loop_->add(conn->fd(), kUpstreamEvents, conn)) {
    delete conn;
    *error = "upstream connect failed";
    return nullptr;
  }
  ++total_;
  ++connects_total_;
  conn->user_ = user;
  conn->requests_ = 1;
  return conn;
}

void EndpointPool::release(UpstreamConnection* conn, bool reusable, int max_idle,
                           Duration idle_timeout) {
  conn->user_ = nullptr;
  conn->cancelTimer();
  if (!reusable || conn->eof || conn->connecting() || !conn->in.empty() ||
      static_cast<int>(idle_.size()) >= max_idle) {
    destroy(conn);
    return;
  }
  conn->out.clear();
  conn->in.release();  // back to the worker's block cache: idle connections hold no buffers
  conn->out.release();
  conn->parser.reset();
  conn->idle_ = true;
  conn->hangup = false;
  idle_.push_back(conn);
  conn->armTimer(idle_timeout);
}

void EndpointPool::dropIdle(UpstreamConnection* conn) {
  auto it = std::find(idle_.begin(), idle_.end(), conn);
  if (it != idle_.end()) idle_.erase(it);
  conn->idle_ = false;
  destroy(conn);
}

void EndpointPool::destroy(UpstreamConnection* conn) {
  conn->cancelTimer();
  conn->user_ = nullptr;
  --total_;
  // The connection may have events pending in this turn: free it after the turn. Closing its
  // descriptor then takes it out of the epoll set (no epoll_ctl(DEL), see EventLoop::remove).
  loop_->deleteLater(std::unique_ptr<Deferrable>(conn));
}

}  // namespace floodgate::proxy
