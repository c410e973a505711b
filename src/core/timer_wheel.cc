#include "core/timer_wheel.h"

#include <algorithm>

namespace floodgate {

Timer::~Timer() {
  if (wheel_ != nullptr && list_ != nullptr) wheel_->cancel(this);
}

TimerWheel::TimerWheel(MonoTime start) : origin_(start) {
  for (uint32_t i = 0; i < kSlots; ++i) slots_[i].slot = i;
  pending_.slot = kSlots;
}

TimerWheel::~TimerWheel() {
  for (auto& list : slots_) {
    while (list.head != nullptr) unlink(list.head);
  }
  while (pending_.head != nullptr) unlink(pending_.head);
}

uint64_t TimerWheel::tickOf(MonoTime t, bool round_up) const {
  if (t <= origin_) return 0;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
  return static_cast<uint64_t>((ns + (round_up ? 999'999 : 0)) / 1'000'000);
}

void TimerWheel::markSlot(uint32_t slot, bool busy) {
  if (busy) {
    busy_[slot / 64] |= (uint64_t{1} << (slot % 64));
  } else {
    busy_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
  }
}

void TimerWheel::link(Timer* timer, Timer::List* list) {
  timer->list_ = list;
  timer->wheel_ = this;
  timer->prev_ = nullptr;
  timer->next_ = list->head;
  if (list->head != nullptr) list->head->prev_ = timer;
  list->head = timer;
  if (list->slot < kSlots) markSlot(list->slot, true);
  ++count_;
}

void TimerWheel::unlink(Timer* timer) {
  Timer::List* list = timer->list_;
  if (timer->prev_ != nullptr) {
    timer->prev_->next_ = timer->next_;
  } else {
    list->head = timer->next_;
  }
  if (timer->next_ != nullptr) timer->next_->prev_ = timer->prev_;
  if (list->head == nullptr && list->slot < kSlots) markSlot(list->slot, false);
  timer->prev_ = timer->next_ = nullptr;
  timer->list_ = nullptr;
  --count_;
}

void TimerWheel::schedule(Timer* timer, MonoTime deadline) {
  if (timer->list_ != nullptr) unlink(timer);
  uint64_t tick = std::max(tickOf(deadline, true), current_tick_ + 1);
  timer->tick_ = tick;
  timer->deadline_ = deadline;
  link(timer, &slots_[tick % kSlots]);
}

void TimerWheel::cancel(Timer* timer) {
  if (timer->list_ != nullptr) unlink(timer);
}

void TimerWheel::advance(MonoTime now) {
  uint64_t target = tickOf(now, false);
  if (target <= current_tick_) return;
  // After a long sleep, one pass over every slot is enough: each timer records its own tick.
  uint64_t first = target - current_tick_ > kSlots ? target - kSlots + 1 : current_tick_ + 1;
  for (uint64_t tick = first; tick <= target; ++tick) {
    Timer::List& list = slots_[tick % kSlots];
    current_tick_ = tick;
    // Pop one at a time: a callback may schedule or cancel any timer, including ones here.
    while (list.head != nullptr) {
      Timer* t = list.head;
      unlink(t);
      if (t->tick_ <= target) {
        if (t->callback_) t->callback_();
      } else {
        link(t, &pending_);
      }
    }
    while (pending_.head != nullptr) {
      Timer* t = pending_.head;
      unlink(t);
      link(t, &slots_[t->tick_ % kSlots]);
    }
  }
  current_tick_ = target;
}

int TimerWheel::millisUntilNext(MonoTime now) const {
  if (count_ == 0) return -1;
  uint64_t now_tick = tickOf(now, false);
  uint32_t start = static_cast<uint32_t>((current_tick_ + 1) % kSlots);
  // Find the first busy slot at or after `start`, wrapping around, using the bitmap.
  for (uint32_t step = 0; step <= kSlots / 64; ++step) {
    uint32_t word = (start / 64 + step) % (kSlots / 64);
    uint64_t bits = busy_[word];
    if (step == 0) bits &= ~uint64_t{0} << (start % 64);
    if (bits == 0) continue;
    uint32_t slot = word * 64 + static_cast<uint32_t>(__builtin_ctzll(bits));
    uint64_t distance = (slot + kSlots - start) % kSlots + 1;
    uint64_t due = current_tick_ + distance;
    return due <= now_tick ? 0 : static_cast<int>(due - now_tick);
  }
  return static_cast<int>(kSlots);
}

}  // namespace floodgate
