#include "core/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace floodgate {

class EventLoop::Waker final : public IoHandler {
 public:
  explicit Waker(int fd) : fd_(fd) {}
  void onIoEvent(uint32_t) override {
    uint64_t value;
    while (::read(fd_, &value, sizeof(value)) > 0) {
    }
  }

 private:
  int fd_;
};

EventLoop::EventLoop(const Clock& clock)
    : clock_(clock), now_(clock.now()), timers_(now_), events_(512) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  waker_ = std::make_unique<Waker>(wake_fd_);
  (void)add(wake_fd_, EPOLLIN, waker_.get());
}

EventLoop::~EventLoop() {
  destroyDeferred();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Status EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return makeError(std::string("epoll_ctl(ADD): ") + std::strerror(errno));
  }
  return {};
}

Status EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    return makeError(std::string("epoll_ctl(MOD): ") + std::strerror(errno));
  }
  return {};
}

void EventLoop::remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::run() {
  while (!stop_.load(std::memory_order_relaxed)) runOnce(-1);
  drainPosted();
  destroyDeferred();
}

void EventLoop::runOnce(int max_wait_ms) {
  int wait = timers_.millisUntilNext(now_);
  if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms)) wait = max_wait_ms;
  int n = epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), wait);
  now_ = clock_.now();
  for (int i = 0; i < n; ++i) {
    static_cast<IoHandler*>(events_[i].data.ptr)->onIoEvent(events_[i].events);
  }
  if (n == static_cast<int>(events_.size()) && events_.size() < 8192) {
    events_.resize(events_.size() * 2);
  }
  timers_.advance(now_);
  drainPosted();
  destroyDeferred();
}

void EventLoop::destroyDeferred() {
  // A destructor may defer more objects: keep going until nothing is left.
  while (!deferred_.empty()) {
    std::vector<std::unique_ptr<Deferrable>> dead;
    dead.swap(deferred_);
  }
}

void EventLoop::stop() {
  stop_.store(true, std::memory_order_relaxed);
  uint64_t one = 1;
  ssize_t rc = ::write(wake_fd_, &one, sizeof(one));
  (void)rc;
}

void EventLoop::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(task));
  }
  uint64_t one = 1;
  ssize_t rc = ::write(wake_fd_, &one, sizeof(one));
  (void)rc;
}

void EventLoop::drainPosted() {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    if (posted_.empty()) return;
    running_.swap(posted_);
  }
  for (auto& task : running_) task();
  running_.clear();
}

void EventLoop::deleteLater(std::unique_ptr<Deferrable> object) {
  deferred_.push_back(std::move(object));
}

}  // namespace floodgate
