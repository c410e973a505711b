// OriginQueue: one worker's requests waiting for a slot toward their cluster (OriginGate full),
// by priority class: known-good first, each only until its deadline, at most `capacity` of
// them. What cannot wait is shed with a fast 503 — suspicious first, known-good last. Each
// waiter is counted in its cluster's gate, so no worker hands a slot to a lower class while a
// better one waits on another worker.
#pragma once

#include <cstddef>
#include <deque>

#include "core/event_loop.h"
#include "shield/origin_gate.h"
#include "shield/priority.h"

namespace floodgate::proxy {

// What waits in an OriginQueue (a ClientConnection): told when it holds a slot, or when it is
// shed (`timed_out`: its wait ran out; false: another request took its place).
class OriginWaiter {
 public:
  virtual void onOriginSlot() = 0;
  virtual void onOriginShed(bool timed_out) = 0;

 protected:
  ~OriginWaiter() = default;
};

class OriginQueue {
 public:
  explicit OriginQueue(EventLoop& loop);
  ~OriginQueue();

  // Queues `conn`; when the queue already holds `capacity`, the newest waiter of a class below
  // `c` is shed to make room, or, if there is none, `conn` is refused (false).
  bool enqueue(OriginWaiter* conn, shield::OriginGate* gate, shield::PriorityClass c,
               MonoTime deadline, size_t capacity);
  // Queues `conn` for a slot within `wait` if the slots drain to it in time (with `ahead` as
  // good or better waiting on every worker: OriginGate::drainsWithin) and there is room. Before
  // a standing queue (OriginGate::standing) it takes instead the place of this worker's oldest
  // waiter toward `gate` of its class or a lower one, which is shed: the freshest request waits
  // for the next free slot, so none waits much longer than the gap between arrivals. False: not
  // queued, shed it.
  bool offer(OriginWaiter* conn, shield::OriginGate* gate, shield::PriorityClass c, size_t ahead,
             Duration wait, size_t capacity);
  void cancel(OriginWaiter* conn);
  // A slot came free on this worker: hand out slots soon (from the loop, not the caller).
  void slotFreed();
  size_t size() const;

 private:
  struct Waiter {
    OriginWaiter* conn;
    shield::OriginGate* gate;
    MonoTime deadline;
  };
  // Hands slots to waiters, best class first, oldest first; sheds those past their deadline.
  // Slots freed on other workers are found by polling while anyone waits.
  void dispatch();
  void arm();
  // Removes waiting_[c][i] (and its count in the gate).
  Waiter take(size_t c, size_t i);

  EventLoop& loop_;
  std::deque<Waiter> waiting_[3];  // by PriorityClass
  Timer timer_;
  bool posted_ = false;
};

}  // namespace floodgate::proxy
