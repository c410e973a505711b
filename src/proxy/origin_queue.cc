#include "proxy/origin_queue.h"

#include <algorithm>

namespace floodgate::proxy {
namespace {

// How often waiters look for slots freed by other workers (this worker's own frees wake them
// at once): one timer-wheel tick.
constexpr Duration kPollInterval = milliseconds(1);

}  // namespace

OriginQueue::OriginQueue(EventLoop& loop) : loop_(loop) {
  timer_.setCallback([this] { dispatch(); });
}

OriginQueue::~OriginQueue() = default;

size_t OriginQueue::size() const {
  return waiting_[0].size() + waiting_[1].size() + waiting_[2].size();
}

OriginQueue::Waiter OriginQueue::take(size_t c, size_t i) {
  auto& q = waiting_[c];
  Waiter w = q[i];
  q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
  w.gate->noteWaiting(static_cast<shield::PriorityClass>(c), -1);
  return w;
}

bool OriginQueue::enqueue(OriginWaiter* conn, shield::OriginGate* gate, shield::PriorityClass c,
                          MonoTime deadline, size_t capacity) {
  if (size() >= capacity) {
    // Make room by shedding the newest of the lowest class below the newcomer's.
    OriginWaiter* victim = nullptr;
    for (size_t i = 2; i > static_cast<size_t>(c); --i) {
      if (waiting_[i].empty()) continue;
      victim = take(i, waiting_[i].size() - 1).conn;
      break;
    }
    if (victim == nullptr) return false;  // also when capacity is 0: nothing ever waits
    victim->onOriginShed(false);
  }
  waiting_[static_cast<size_t>(c)].push_back({conn, gate, deadline});
  gate->noteWaiting(c, +1);
  arm();
  return true;
}

bool OriginQueue::offer(OriginWaiter* conn, shield::OriginGate* gate, shield::PriorityClass c,
                        size_t ahead, Duration wait, size_t capacity) {
  MonoTime deadline = loop_.now() + wait;
  if (gate->drainsWithin(ahead, wait)) return enqueue(conn, gate, c, deadline, capacity);
  if (!gate->standing()) return false;
  for (size_t i = 3; i-- > static_cast<size_t>(c);) {  // the lowest class first
    auto& q = waiting_[i];
    auto it = std::find_if(q.begin(), q.end(), [gate](const Waiter& w) { return w.gate == gate; });
    if (it == q.end()) continue;
    OriginWaiter* displaced = take(i, static_cast<size_t>(it - q.begin())).conn;
    enqueue(conn, gate, c, deadline, capacity);  // the room it left
    displaced->onOriginShed(false);
    return true;
  }
  return false;
}

void OriginQueue::cancel(OriginWaiter* conn) {
  for (size_t c = 0; c < 3; ++c) {
    auto& q = waiting_[c];
    auto it = std::find_if(q.begin(), q.end(), [conn](const Waiter& w) { return w.conn == conn; });
    if (it != q.end()) {
      take(c, static_cast<size_t>(it - q.begin()));
      return;
    }
  }
}

void OriginQueue::slotFreed() {
  if (posted_ || size() == 0) return;
  posted_ = true;
  loop_.post([this] {
    posted_ = false;
    dispatch();
  });
}

void OriginQueue::arm() {
  if (size() > 0 && !timer_.armed()) loop_.schedule(&timer_, kPollInterval);
}

void OriginQueue::dispatch() {
  MonoTime now = loop_.now();
  for (size_t c = 0; c < 3; ++c) {
    auto& q = waiting_[c];
    for (size_t i = 0; i < q.size();) {
      // A waiter counts itself in the gate: it stands aside only for better classes.
      Waiter w = q[i];
      if (w.gate->tryAcquire(static_cast<shield::PriorityClass>(c))) {
        take(c, i);
        w.conn->onOriginSlot();
      } else if (w.deadline <= now) {
        take(c, i);
        w.conn->onOriginShed(true);
      } else {
        ++i;
      }
    }
  }
  arm();
}

}  // namespace floodgate::proxy
