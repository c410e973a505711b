// TickWatchdog: notices when the control tick stops finishing. The control thread marks each
// finished tick; another thread checks now and then and learns when a stall begins and ends,
// once each, so it can say so (the workers meanwhile keep the last snapshot: fail static).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::proxy {

class TickWatchdog {
 public:
  enum class Change : uint8_t { kNone, kStalled };

  // A stall: no tick finished for longer than `limit`. `start`: as if a tick finished then.
  TickWatchdog(Duration limit, MonoTime start) : limit_(limit) { tickDone(start); }

  // Control thread, after each tick. True when this tick ends a stall.
  bool tickDone(MonoTime now) {
    last_.store(now.time_since_epoch().count(), std::memory_order_release);
    return stalled_.exchange(false, std::memory_order_acq_rel);
  }
  // Watchdog thread: kStalled the first time it finds the tick overdue, kNone otherwise (the
  // resume is reported by tickDone, on the thread that saw it).
  Change check(MonoTime now) {
    if (overdue(now) > limit_ && !stalled_.exchange(true, std::memory_order_acq_rel)) {
      return Change::kStalled;
    }
    return Change::kNone;
  }
  Duration overdue(MonoTime now) const {
    return now - MonoTime(Duration(last_.load(std::memory_order_acquire)));
  }
  bool stalled() const { return stalled_.load(std::memory_order_acquire); }

 private:
  Duration limit_;
  std::atomic<int64_t> last_{0};
  std::atomic<bool> stalled_{false};
};

}  // namespace floodgate::proxy
