// OriginGate: the slots toward one cluster, shared by every worker — an atomic count of
// requests in flight under a limit the control tick sets (AdaptiveLimit) — and the tick's
// sample of what came back. Lower priority classes may fill only part of the limit, and take no
// slot while a better class waits on any worker, so a known-good client finds a slot first when
// strangers crowd the origin.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "shield/adaptive_limit.h"
#include "shield/priority.h"

namespace floodgate::shield {

class alignas(64) OriginGate {
 public:
  // Request path, lock-free. True: a slot is held until release(). False also while a better
  // class than `c` waits for a slot anywhere: the next free slot is theirs.
  bool tryAcquire(PriorityClass c);
  // `overloaded`: the origin refused or failed the exchange; latency: to the response head,
  // when there was one. Refusals also cut the limit at once to 4/5 of what is in flight — at
  // the kFastCutRefusals-th since the last cut, and at most once per kFastCutSpacing — so the
  // origin is not flooded for the rest of the control tick, while a stray refusal (a token
  // bucket's edge) does not pin the limit down; the tick then sets the limit it has learned.
  void release(bool overloaded, std::optional<Duration> latency, MonoTime now);
  // A request found no slot (it will wait or be shed): the limit binds.
  void noteWanted() { wanted_.fetch_add(1, std::memory_order_relaxed); }

  // What class `c` may fill: all of the limit for known-good, 7/8 for unknown (always leaving
  // known-good at least one slot of a limit above 1), half for suspicious (each at least 1).
  static int capFor(int limit, PriorityClass c);

  // The workers' queues count their waiters here, so every worker sees who waits on the others:
  // `delta` +1 when a request of class `c` starts waiting, -1 when it stops (slot, shed, gone).
  void noteWaiting(PriorityClass c, int delta) {
    waiting_[static_cast<size_t>(c)].fetch_add(delta, std::memory_order_relaxed);
  }
  // Requests of class `c` or better waiting on any worker: a newcomer of class `c` queues
  // behind them rather than take a slot before them.
  int waitingAtOrAbove(PriorityClass c) const;
  // The longest a request of class `c` should wait for a slot: a few of the origin's normal
  // latencies (kWaitLatencies) — past that, a fast 503 serves the client better than a wait as
  // long as being served several times over — at least kMinWait, at most `queue_timeout` (also
  // the answer while the normal is not known). Lower classes get half of known-good's wait.
  // The floor: a wait shorter than a busy worker's own hiccup (a loop turn that found a burst of
  // requests, or a client that sent one) says nothing about the origin, and shedding there
  // turned a 50 ms stall into 503s for known-good users in the pulse-waves storm.
  Duration waitFor(PriorityClass c, Duration queue_timeout) const;
  static constexpr int kWaitLatencies = 4;
  static constexpr Duration kMinWait = std::chrono::milliseconds(50);

  // Control side: the sample since the last call, and a new limit.
  LimitSample takeSample();
  void setLimit(int limit) { limit_.store(limit, std::memory_order_relaxed); }
  void setMinLimit(int min_limit) { min_limit_.store(min_limit, std::memory_order_relaxed); }
  // The fast cut leaves at least this (AdaptiveLimit::cutFloor): near a concurrency the origin
  // is known to refuse at, the tick's hold, not 4/5 of it.
  void setCutFloor(int floor) { cut_floor_.store(floor, std::memory_order_relaxed); }
  // The origin's normal latency as the control tick learned it (0: not known).
  void setNormalLatency(Duration d) { normal_ns_.store(d.count(), std::memory_order_relaxed); }

  // Whether a request with `ahead` others waiting before it (on every worker) can expect a slot
  // within half of `wait`, slots turning over at the normal latency. Half: the estimate is
  // optimistic (other classes take slots too), and a request that waits only to time out has
  // cost its client the whole wait for nothing. True while the normal is not known: then only
  // the wait itself decides.
  // Slots turn over at the origin's recent latency when it is above the normal (the origin
  // slowed since the tick learned it). Before a standing queue (standing()) only what drains
  // within kStandingTarget waits (the next free slot at least): demand beyond what the origin
  // serves is shed either way, and a queue there only keeps a freed slot from idling until the
  // next arrival. A newer arrival takes the place of an older waiter (OriginQueue::offer), so
  // none waits much longer than that (a 5 ms target, CoDel's, added its wait to every request
  // served: origin-slowdown's p99 28 ms where the peers' was 22).
  bool drainsWithin(size_t ahead, Duration wait) const;
  // The origin is saturated (setSaturated: its work filled the limit all last tick while more
  // wanted in), or answers at more than twice its normal latency before the tick has seen it.
  bool standing() const;
  void setSaturated(bool saturated) { saturated_.store(saturated, std::memory_order_relaxed); }
  static constexpr Duration kStandingTarget = std::chrono::milliseconds(1);  // a queue's poll
  static constexpr Duration kFastCutSpacing = std::chrono::milliseconds(20);
  static constexpr int kFastCutRefusals = 4;
  int limit() const { return limit_.load(std::memory_order_relaxed); }
  int inFlight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> in_flight_{0};
  std::atomic<int> limit_{1 << 30};
  std::atomic<int> min_limit_{1};
  std::atomic<int> cut_floor_{1};
  std::atomic<bool> saturated_{false};
  std::atomic<int64_t> recent_ns_{0};  // moving average of served exchanges' latency
  std::atomic<int64_t> normal_ns_{0};
  std::atomic<int64_t> last_cut_ns_{INT64_MIN / 2};
  std::atomic<int> refusals_since_cut_{0};
  std::atomic<int> peak_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> overloaded_{0};
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_us_{0};
  std::atomic<uint64_t> wanted_{0};
  std::atomic<int> waiting_[3] = {0, 0, 0};  // by PriorityClass, every worker's queue
};

}  // namespace floodgate::shield
