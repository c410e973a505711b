// OriginQueue: one worker's requests waiting for a slot toward their cluster (OriginGate full),
// by priority class: known-good first, each only until its deadline, at most `capacity` of
// them. What cannot wait is shed with a fast 503 — suspicious first, known-good last.
#pragma once

#include <cstddef>
#include <deque>

#include "core/event_loop.h"
#include "shield/priority.h"

namespace floodgate::proxy {

class ClientConnection;
class Worker;

class OriginQueue {
 public:
  explicit OriginQueue(Worker* worker);
  ~OriginQueue();

  // Queues `conn`; when the queue already holds `capacity`, the newest waiter of a class below
  // `c` is shed to make room, or, if there is none, `conn` is refused (false).
  bool enqueue(ClientConnection* conn, int cluster, shield::PriorityClass c, MonoTime deadline,
               size_t capacity);
  void cancel(ClientConnection* conn);
  // Waiters a newcomer of class `c` would queue behind (the same class or better); while there
  // are any it must not take a free slot before them.
  size_t waitersAtOrAbove(shield::PriorityClass c) const;
  // A slot came free on this worker: hand out slots soon (from the loop, not the caller).
  void slotFreed();
  size_t size() const;

 private:
  struct Waiter {
    ClientConnection* conn;
    int cluster;
    MonoTime deadline;
  };
  // Hands slots to waiters, best class first, oldest first; sheds those past their deadline.
  // Slots freed on other workers are found by polling while anyone waits.
  void dispatch();
  void arm();

  Worker* worker_;
  std::deque<Waiter> waiting_[3];  // by PriorityClass
  Timer timer_;
  bool posted_ = false;
};

}  // namespace floodgate::proxy
