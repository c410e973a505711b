// TimerWheel: O(1) schedule and cancel for the many per-connection deadlines, no allocation.
// A hashed wheel of 1 ms ticks; a timer further out than one turn waits in its slot and is
// skipped until its turn comes. A bitmap of busy slots finds the next deadline quickly.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "core/clock.h"

namespace floodgate {

class TimerWheel;

class Timer {
 public:
  Timer() = default;
  explicit Timer(std::function<void()> callback) : callback_(std::move(callback)) {}
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void setCallback(std::function<void()> callback) { callback_ = std::move(callback); }
  bool armed() const { return list_ != nullptr; }
  MonoTime deadline() const { return deadline_; }

 private:
  friend class TimerWheel;
  struct List {
    Timer* head = nullptr;
    uint32_t slot = 0;
  };
  std::function<void()> callback_;
  Timer* prev_ = nullptr;
  Timer* next_ = nullptr;
  List* list_ = nullptr;
  TimerWheel* wheel_ = nullptr;
  uint64_t tick_ = 0;
  MonoTime deadline_{};
};

class TimerWheel {
 public:
  static constexpr uint32_t kSlots = 4096;  // a power of two; one turn is ~4 s

  explicit TimerWheel(MonoTime start);
  ~TimerWheel();

  // (Re)arms `timer` to fire at `deadline` (rounded up to the next millisecond).
  void schedule(Timer* timer, MonoTime deadline);
  void cancel(Timer* timer);
  // Fires every timer due at or before `now`.
  void advance(MonoTime now);
  // Milliseconds until the next armed timer is due (0 if overdue); -1 when none is armed.
  int millisUntilNext(MonoTime now) const;
  size_t size() const { return count_; }

 private:
  // The millisecond tick of `t`. Deadlines round up and the present rounds down, so a timer
  // fires only once its whole deadline has passed: never early, at most a tick late.
  uint64_t tickOf(MonoTime t, bool round_up) const;
  void link(Timer* timer, Timer::List* list);
  void unlink(Timer* timer);
  void markSlot(uint32_t slot, bool busy);

  MonoTime origin_;
  uint64_t current_tick_ = 0;  // every tick <= current_tick_ has been processed
  size_t count_ = 0;
  std::array<Timer::List, kSlots> slots_;
  std::array<uint64_t, kSlots / 64> busy_{};
  Timer::List pending_;  // timers taken out of a slot while it is processed, not yet due
};

}  // namespace floodgate
