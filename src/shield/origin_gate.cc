#include "shield/origin_gate.h"

#include <algorithm>

namespace floodgate::shield {

int OriginGate::capFor(int limit, PriorityClass c) {
  switch (c) {
    case PriorityClass::kKnownGood: return limit;
    case PriorityClass::kUnknown: return std::max(1, limit - std::max(1, limit / 8));
    case PriorityClass::kSuspicious: return std::max(1, limit / 2);
  }
  return limit;
}

int OriginGate::waitingAtOrAbove(PriorityClass c) const {
  int n = 0;
  for (size_t i = 0; i <= static_cast<size_t>(c); ++i) {
    n += waiting_[i].load(std::memory_order_relaxed);
  }
  return n;
}

Duration OriginGate::waitFor(PriorityClass c, Duration queue_timeout) const {
  int64_t normal = normal_ns_.load(std::memory_order_relaxed);
  if (normal <= 0) return queue_timeout;
  int64_t latencies = c == PriorityClass::kKnownGood ? kWaitLatencies : kWaitLatencies / 2;
  Duration wait = std::max(kMinWait, Duration(normal * latencies));
  return std::min(queue_timeout, wait);
}

bool OriginGate::tryAcquire(PriorityClass c) {
  if (c != PriorityClass::kKnownGood &&
      waitingAtOrAbove(static_cast<PriorityClass>(static_cast<int>(c) - 1)) > 0) {
    wanted_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  int cap = capFor(limit_.load(std::memory_order_relaxed), c);
  int now = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > cap) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    wanted_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  int peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

void OriginGate::release(bool overloaded, std::optional<Duration> latency, MonoTime now) {
  int was_in_flight = in_flight_.fetch_sub(1, std::memory_order_relaxed);
  completed_.fetch_add(1, std::memory_order_relaxed);
  if (overloaded) {
    overloaded_.fetch_add(1, std::memory_order_relaxed);
    int refusals = refusals_since_cut_.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t t = now.time_since_epoch().count();
    int64_t last = last_cut_ns_.load(std::memory_order_relaxed);
    if (refusals >= kFastCutRefusals && t - last >= kFastCutSpacing.count() &&
        last_cut_ns_.compare_exchange_strong(last, t, std::memory_order_relaxed)) {
      refusals_since_cut_.store(0, std::memory_order_relaxed);
      int limit = limit_.load(std::memory_order_relaxed);
      int floor = std::max(min_limit_.load(std::memory_order_relaxed),
                           cut_floor_.load(std::memory_order_relaxed));
      int cut = std::max(floor, std::min(limit, was_in_flight) * 4 / 5);
      if (cut < limit) limit_.store(cut, std::memory_order_relaxed);
    }
  }
  // Latency of served exchanges only: a refusal is quick and says nothing of how long the
  // origin holds a slot (it would pull the mean, and Little's law with it, down).
  if (latency && !overloaded) {
    // 1/16 of each: a few dozen exchanges follow a slowed origin. Racing workers may lose an
    // update; an estimate does not mind.
    int64_t recent = recent_ns_.load(std::memory_order_relaxed);
    int64_t sample = latency->count();
    recent_ns_.store(recent == 0 ? sample : recent + (sample - recent) / 16,
                     std::memory_order_relaxed);
    latency_count_.fetch_add(1, std::memory_order_relaxed);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(*latency).count();
    latency_sum_us_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, us)),
                              std::memory_order_relaxed);
  }
}

bool OriginGate::drainsWithin(size_t ahead, Duration wait) const {
  int64_t normal = normal_ns_.load(std::memory_order_relaxed);
  if (normal <= 0) return true;
  double slots = std::max(1.0, static_cast<double>(limit_.load(std::memory_order_relaxed)));
  int64_t recent = recent_ns_.load(std::memory_order_relaxed);
  double turnover_ns = static_cast<double>(std::max(normal, recent)) / slots;
  double budget_ns = static_cast<double>(wait.count()) / 2;
  if (standing()) {
    budget_ns =
        std::min(budget_ns, std::max(static_cast<double>(kStandingTarget.count()), turnover_ns));
  }
  return static_cast<double>(ahead + 1) * turnover_ns <= budget_ns;
}

bool OriginGate::standing() const {
  int64_t normal = normal_ns_.load(std::memory_order_relaxed);
  return saturated_.load(std::memory_order_relaxed) ||
         (normal > 0 && recent_ns_.load(std::memory_order_relaxed) > 2 * normal);
}

LimitSample OriginGate::takeSample() {
  LimitSample s;
  s.completed = completed_.exchange(0, std::memory_order_relaxed);
  s.overloaded = overloaded_.exchange(0, std::memory_order_relaxed);
  s.latency_count = latency_count_.exchange(0, std::memory_order_relaxed);
  s.latency_sum_ms =
      static_cast<double>(latency_sum_us_.exchange(0, std::memory_order_relaxed)) / 1000.0;
  s.wanted_more = wanted_.exchange(0, std::memory_order_relaxed);
  s.recent_latency_ms = static_cast<double>(recent_ns_.load(std::memory_order_relaxed)) / 1e6;
  // The next tick's peak starts from what is in flight now, not from zero.
  s.peak_in_flight = peak_.exchange(in_flight_.load(std::memory_order_relaxed),
                                    std::memory_order_relaxed);
  return s;
}

}  // namespace floodgate::shield
