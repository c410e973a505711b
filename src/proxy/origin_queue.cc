#include "proxy/origin_queue.h"

#include <algorithm>

#include "proxy/client_connection.h"
#include "proxy/worker.h"

namespace floodgate::proxy {
namespace {

// How often waiters look for slots freed by other workers (this worker's own frees wake them
// at once).
constexpr Duration kPollInterval = milliseconds(2);

}  // namespace

OriginQueue::OriginQueue(Worker* worker) : worker_(worker) {
  timer_.setCallback([this] { dispatch(); });
}

OriginQueue::~OriginQueue() = default;

size_t OriginQueue::size() const {
  return waiting_[0].size() + waiting_[1].size() + waiting_[2].size();
}

size_t OriginQueue::waitersAtOrAbove(shield::PriorityClass c) const {
  size_t n = 0;
  for (size_t i = 0; i <= static_cast<size_t>(c); ++i) n += waiting_[i].size();
  return n;
}

bool OriginQueue::enqueue(ClientConnection* conn, int cluster, shield::PriorityClass c,
                          MonoTime deadline, size_t capacity) {
  if (size() >= capacity) {
    // Make room by shedding the newest of the lowest class below the newcomer's.
    ClientConnection* victim = nullptr;
    for (size_t i = 2; i > static_cast<size_t>(c); --i) {
      if (waiting_[i].empty()) continue;
      victim = waiting_[i].back().conn;
      waiting_[i].pop_back();
      break;
    }
    if (victim == nullptr) return false;  // also when capacity is 0: nothing ever waits
    victim->onOriginShed(false);
  }
  waiting_[static_cast<size_t>(c)].push_back({conn, cluster, deadline});
  arm();
  return true;
}

void OriginQueue::cancel(ClientConnection* conn) {
  for (auto& q : waiting_) {
    auto it = std::find_if(q.begin(), q.end(), [conn](const Waiter& w) { return w.conn == conn; });
    if (it != q.end()) {
      q.erase(it);
      return;
    }
  }
}

void OriginQueue::slotFreed() {
  if (posted_ || size() == 0) return;
  posted_ = true;
  worker_->loop().post([this] {
    posted_ = false;
    dispatch();
  });
}

void OriginQueue::arm() {
  if (size() > 0 && !timer_.armed()) worker_->loop().schedule(&timer_, kPollInterval);
}

void OriginQueue::dispatch() {
  MonoTime now = worker_->loop().now();
  ShieldState& shield = worker_->shield();
  for (size_t c = 0; c < 3; ++c) {
    auto& q = waiting_[c];
    for (size_t i = 0; i < q.size();) {
      Waiter w = q[i];
      shield::OriginGate* gate = shield.originGate(w.cluster);
      if (gate == nullptr || gate->tryAcquire(static_cast<shield::PriorityClass>(c))) {
        q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
        w.conn->onOriginSlot();
      } else if (w.deadline <= now) {
        q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
        w.conn->onOriginShed(true);
      } else {
        ++i;
      }
    }
  }
  arm();
}

}  // namespace floodgate::proxy
