#include "upstream/picker.h"

#include <algorithm>

#include "shield/ip_prefix.h"
#include "upstream/slow_start.h"

namespace floodgate::upstream {
namespace {

// Envoy's overprovisioning factor: a level at 80% availability still takes all its traffic.
constexpr double kOverprovisioning = 1.4;

}  // namespace

Picker::Picker(const config::Cluster* cluster, ClusterRuntime runtime, int workers, uint64_t seed)
    : cluster_(cluster),
      runtime_(std::move(runtime)),
      by_level_(cluster->levels.size()),
      round_robin_(cluster->levels.size(), 0),
      budget_(cluster->retry.budget_percent,
              static_cast<double>(cluster->retry.budget_min_per_second) / std::max(workers, 1)),
      rng_(seed | 1) {
  scratch_.reserve(cluster->endpoints.size());
  for (size_t i = 0; i < cluster->endpoints.size(); ++i) {
    size_t level = static_cast<size_t>(std::clamp(cluster->endpoints[i].level, 0,
                                                  static_cast<int>(by_level_.size()) - 1));
    by_level_[level].push_back(static_cast<int>(i));
  }
}

uint64_t Picker::random() {
  // xorshift64*: cheap, and good enough to choose between endpoints.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1DULL;
}

bool Picker::usable(size_t endpoint) const {
  const ClusterHealth& h = *runtime_.health;
  if (endpoint >= h.endpoints.size()) return true;
  return h.panic ? !h.endpoints[endpoint].draining : h.endpoints[endpoint].available();
}

double Picker::weight(size_t endpoint, MonoTime now) const {
  const ClusterHealth& h = *runtime_.health;
  if (endpoint >= h.endpoints.size() || h.panic) return 1.0;
  return slowStartWeight(h.endpoints[endpoint].available_since, now, cluster_->slow_start);
}

double Picker::availability(size_t level, MonoTime now) const {
  const auto& members = by_level_[level];
  if (members.empty()) return 0;
  double sum = 0;
  for (int e : members) {
    if (usable(static_cast<size_t>(e))) sum += weight(static_cast<size_t>(e), now);
  }
  return sum / static_cast<double>(members.size());
}

int Picker::chooseInLevel(size_t level, const PickRequest& req, uint64_t exclude, MonoTime now) {
  std::vector<int>& candidates = scratch_;  // sized for the cluster once: no allocation here
  candidates.clear();
  for (int e : by_level_[level]) {
    if (e < 64 && (exclude >> e) & 1) continue;
    if (usable(static_cast<size_t>(e))) candidates.push_back(e);
  }
  size_t n = candidates.size();
  if (n == 0) return -1;
  if (n == 1) return candidates[0];
  switch (cluster_->load_balancing.policy) {
    case config::LoadBalancing::Policy::kHash:
      if (req.has_key) {
        // Rendezvous hashing: each key goes to the candidate with the highest score, so
        // removing one endpoint moves only the keys that were on it.
        int best = candidates[0];
        uint64_t best_score = 0;
        for (size_t i = 0; i < n; ++i) {
          uint64_t score = shield::mix64(req.key ^ (0x9e3779b97f4a7c15ULL *
                                                    static_cast<uint64_t>(candidates[i] + 1)));
          if (i == 0 || score > best_score) {
            best = candidates[i];
            best_score = score;
          }
        }
        return best;
      }
      [[fallthrough]];  // no key: spread like least_request
    case config::LoadBalancing::Policy::kLeastRequest: {
      // Two random choices, the one with fewer outstanding requests per unit of weight wins:
      // a slow-starting endpoint (low weight) looks busier than it is.
      size_t ia = random() % n;
      int a = candidates[ia];
      int b = candidates[(ia + 1 + random() % (n - 1)) % n];
      auto load = [&](int e) {
        int out = runtime_.shared->endpoint(static_cast<size_t>(e))
                      .outstanding.load(std::memory_order_relaxed);
        return (out + 1) / weight(static_cast<size_t>(e), now);
      };
      return load(a) <= load(b) ? a : b;
    }
    case config::LoadBalancing::Policy::kRoundRobin: {
      // Skip a slow-starting endpoint with probability 1 - weight.
      for (size_t tries = 0; tries < n * 4; ++tries) {
        int e = candidates[round_robin_[level]++ % n];
        if (uniform() < weight(static_cast<size_t>(e), now)) return e;
      }
      return candidates[round_robin_[level]++ % n];
    }
  }
  return candidates[0];
}

Pick Picker::tryLevel(size_t level, const PickRequest& req, uint64_t exclude, double scale,
                      MonoTime now, bool* had_candidate) {
  int e = chooseInLevel(level, req, exclude, now);
  if (e < 0) return {};
  *had_candidate = true;
  LevelGate& gate = runtime_.shared->gate(level);
  if (!gate.tryAcquire(req.cls, std::min(1.0, scale), now)) return {};
  runtime_.shared->endpoint(static_cast<size_t>(e)).outstanding.fetch_add(1,
                                                                         std::memory_order_relaxed);
  if (level > 0) runtime_.shared->counters().failovers.fetch_add(1, std::memory_order_relaxed);
  return Pick{e, static_cast<int>(level)};
}

Pick Picker::pick(const PickRequest& req, MonoTime now) {
  const size_t levels = by_level_.size();
  double scale[16];
  uint64_t exclude = req.tried;
  // A retry avoids endpoints that already failed it, unless nothing else is left (an endpoint
  // that is merely full does not send the retry back to the one that failed).
  bool had_candidate = false;
  for (int pass = 0; pass < 2; ++pass, exclude = 0) {
    bool skipped[16] = {};
    size_t last_available = 0;
    for (size_t l = 0; l < levels && l < 16; ++l) {
      scale[l] = availability(l, now);
      if (scale[l] > 0) last_available = l;
    }
    for (size_t l = 0; l < levels && l < 16; ++l) {
      if (scale[l] <= 0) continue;
      // A level below full availability (slow start, some endpoints down) keeps its share of
      // traffic and leaves the rest to the next levels; held-back traffic comes back to it
      // below if those have no room.
      if (l < last_available && scale[l] * kOverprovisioning < 1.0 &&
          uniform() > scale[l] * kOverprovisioning) {
        skipped[l] = true;
        continue;
      }
      Pick p = tryLevel(l, req, exclude, scale[l], now, &had_candidate);
      if (p.ok()) return p;
    }
    for (size_t l = 0; l < levels && l < 16; ++l) {
      if (!skipped[l]) continue;
      Pick p = tryLevel(l, req, exclude, scale[l], now, &had_candidate);
      if (p.ok()) return p;
    }
    if (req.tried == 0 || had_candidate) break;
  }
  return {};
}

void Picker::finish(const Pick& pick, Outcome outcome, Duration latency, bool sent) {
  if (!pick.ok()) return;
  ClusterShared& shared = *runtime_.shared;
  shared.gate(static_cast<size_t>(pick.level)).release();
  EndpointStats& s = shared.endpoint(static_cast<size_t>(pick.endpoint));
  s.outstanding.fetch_sub(1, std::memory_order_relaxed);
  if (sent) shared.counters().upstream_attempts.fetch_add(1, std::memory_order_relaxed);
  if (outcome == Outcome::kCancelled) return;
  s.requests.fetch_add(1, std::memory_order_relaxed);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  s.latency_us.fetch_add(static_cast<uint64_t>(std::max<int64_t>(us, 0)),
                         std::memory_order_relaxed);
  switch (outcome) {
    case Outcome::kSuccess:
      s.consecutive_5xx.store(0, std::memory_order_relaxed);
      s.consecutive_gateway.store(0, std::memory_order_relaxed);
      break;
    case Outcome::kServerError:
      s.failures.fetch_add(1, std::memory_order_relaxed);
      s.consecutive_5xx.fetch_add(1, std::memory_order_relaxed);
      s.consecutive_gateway.store(0, std::memory_order_relaxed);
      break;
    case Outcome::kGatewayFailure:
      s.failures.fetch_add(1, std::memory_order_relaxed);
      s.consecutive_gateway.fetch_add(1, std::memory_order_relaxed);
      break;
    case Outcome::kCancelled:
      break;
  }
}

Duration Picker::backoff(int retry) {
  const auto& r = cluster_->retry;
  int shift = std::clamp(retry - 1, 0, 20);
  Duration cap = std::min<Duration>(r.backoff_base * (1 << shift), r.backoff_max);
  // Full jitter: anywhere up to the cap, so retries of many requests do not line up.
  return Duration(static_cast<int64_t>(uniform() * static_cast<double>(cap.count())));
}

}  // namespace floodgate::upstream
