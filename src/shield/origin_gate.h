// OriginGate: the slots toward one cluster, shared by every worker — an atomic count of
// requests in flight under a limit the control tick sets (AdaptiveLimit) — and the tick's
// sample of what came back. Lower priority classes may fill only part of the limit, so a
// known-good client finds a slot first when strangers crowd the origin.
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
  // Request path, lock-free. True: a slot is held until release().
  bool tryAcquire(PriorityClass c);
  // `overloaded`: the origin refused or failed the exchange; latency: to the response head,
  // when there was one. Refusals also cut the limit at once to 4/5 of what is in flight — at
  // the kFastCutRefusals-th since the last cut, and at most once per kFastCutSpacing — so the
  // origin is not flooded for the rest of the control tick, while a stray refusal (a token
  // bucket's edge) does not pin the limit down; the tick then sets the limit it has learned.
  void release(bool overloaded, std::optional<Duration> latency, MonoTime now);
  // A request found no slot (it will wait or be shed): the limit binds.
  void noteWanted() { wanted_.fetch_add(1, std::memory_order_relaxed); }

  // What class `c` may fill: all of the limit for known-good, 7/8 for unknown, half for
  // suspicious (each at least 1).
  static int capFor(int limit, PriorityClass c);

  // Control side: the sample since the last call, and a new limit.
  LimitSample takeSample();
  void setLimit(int limit) { limit_.store(limit, std::memory_order_relaxed); }
  void setMinLimit(int min_limit) { min_limit_.store(min_limit, std::memory_order_relaxed); }
  // The origin's normal latency as the control tick learned it (0: not known).
  void setNormalLatency(Duration d) { normal_ns_.store(d.count(), std::memory_order_relaxed); }

  // Whether a request with `ahead` others queued before it on its worker (one of `workers`
  // sharing the limit) can expect a slot within half of `wait`, slots turning over at the
  // normal latency. Half: the estimate is optimistic (other classes and workers take slots
  // too), and a request that waits only to time out has cost its client the whole wait for
  // nothing. True while the normal is not known: then only the wait itself decides.
  bool drainsWithin(size_t ahead, int workers, Duration wait) const;
  static constexpr Duration kFastCutSpacing = std::chrono::milliseconds(20);
  static constexpr int kFastCutRefusals = 4;
  int limit() const { return limit_.load(std::memory_order_relaxed); }
  int inFlight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> in_flight_{0};
  std::atomic<int> limit_{1 << 30};
  std::atomic<int> min_limit_{1};
  std::atomic<int64_t> normal_ns_{0};
  std::atomic<int64_t> last_cut_ns_{INT64_MIN / 2};
  std::atomic<int> refusals_since_cut_{0};
  std::atomic<int> peak_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> overloaded_{0};
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_us_{0};
  std::atomic<uint64_t> wanted_{0};
};

}  // namespace floodgate::shield
