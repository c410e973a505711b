// EventLoop: one epoll instance, a timer wheel and a cross-thread task queue; one per thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/timer_wheel.h"

namespace floodgate {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // `events` is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
  virtual void onIoEvent(uint32_t events) = 0;
};

// Objects whose destruction must wait until the current batch of events is handled.
class Deferrable {
 public:
  virtual ~Deferrable() = default;
};

class EventLoop {
 public:
  explicit EventLoop(const Clock& clock = RealClock::instance());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status add(int fd, uint32_t events, IoHandler* handler);
  Status modify(int fd, uint32_t events, IoHandler* handler);
  // Only for a descriptor that stays open: closing one (never dup'ed, as floodgate's are not)
  // takes it out of the epoll set by itself, a syscall saved per connection. A handler whose
  // descriptor is closed must then outlive the current batch of events (deleteLater) and ignore
  // them, and the close must come before the next wait (deleteLater does both).
  void remove(int fd);

  // Runs until stop(). Each turn: wait for events (or the next timer), dispatch, fire timers,
  // run posted tasks, then destroy what was deferred.
  void run();
  // Runs one turn, waiting at most `max_wait_ms` (-1: until something happens).
  void runOnce(int max_wait_ms);
  void stop();  // thread-safe
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }

  // Thread-safe: runs `task` on this loop's thread at the end of a turn.
  void post(std::function<void()> task);
  // Destroys `object` after the current batch of events (safe for handlers of live events).
  void deleteLater(std::unique_ptr<Deferrable> object);

  MonoTime now() const { return now_; }  // cached once per turn
  void updateTime() { now_ = clock_.now(); }
  const Clock& clock() const { return clock_; }
  void schedule(Timer* timer, Duration after) { timers_.schedule(timer, now_ + after); }
  void scheduleAt(Timer* timer, MonoTime deadline) { timers_.schedule(timer, deadline); }
  void cancel(Timer* timer) { timers_.cancel(timer); }
  TimerWheel& timers() { return timers_; }

 private:
  class Waker;
  void drainPosted();
  void destroyDeferred();

  const Clock& clock_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  MonoTime now_;
  TimerWheel timers_;
  std::unique_ptr<Waker> waker_;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> running_;
  std::vector<std::unique_ptr<Deferrable>> deferred_;
  std::vector<epoll_event> events_;
};

}  // namespace floodgate
