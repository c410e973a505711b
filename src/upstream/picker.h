// Picker: chooses where one try of a request goes, on its worker's thread. Levels in order: the
// first with available endpoints and room in its declared capacity takes the request, later
// levels only what it cannot take (or, while it ramps up after recovery, what slow start holds
// back); when no level has room the request is shed. Within a level: least outstanding
// requests over two random choices, round robin, or rendezvous hashing on a key.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.h"
#include "shield/priority.h"
#include "upstream/cluster_state.h"
#include "upstream/retry_budget.h"

namespace floodgate::upstream {

struct Pick {
  int endpoint = -1;
  int level = -1;
  bool ok() const { return endpoint >= 0; }
};

struct PickRequest {
  shield::PriorityClass cls = shield::PriorityClass::kUnknown;
  // Bit i: endpoint i already failed this request, so a retry avoids it (the first 64
  // endpoints of a cluster; later ones may be retried on).
  uint64_t tried = 0;
  bool has_key = false;
  uint64_t key = 0;    // with hash load balancing: the hashed header or cookie
};

class Picker {
 public:
  Picker(const config::Cluster* cluster, ClusterRuntime runtime, int workers, uint64_t seed);

  void setHealth(std::shared_ptr<const ClusterHealth> health) { runtime_.health = std::move(health); }
  const ClusterHealth& health() const { return *runtime_.health; }
  ClusterShared& shared() { return *runtime_.shared; }
  const config::Cluster& cluster() const { return *cluster_; }

  // Counts a downstream request (for the amplification factor and the retry budget).
  void onRequest(MonoTime now) {
    runtime_.shared->counters().downstream_requests.fetch_add(1, std::memory_order_relaxed);
    budget_.onRequest(now);
  }
  // A level slot and an endpoint, or !ok() when every level is full or down (shed).
  Pick pick(const PickRequest& req, MonoTime now);
  // Ends a try begun with pick(): frees its slot and records what the endpoint did. `sent`:
  // the try reached the endpoint (counts as an upstream attempt).
  void finish(const Pick& pick, Outcome outcome, Duration latency, bool sent);

  RetryBudget& budget() { return budget_; }
  // A jittered exponential backoff before retry number `retry` (1-based).
  Duration backoff(int retry);

 private:
  double weight(size_t endpoint, MonoTime now) const;
  bool usable(size_t endpoint) const;
  // The level's available share (0..1): slow-start weights of its usable endpoints over all.
  double availability(size_t level, MonoTime now) const;
  int chooseInLevel(size_t level, const PickRequest& req, uint64_t exclude, MonoTime now);
  // `*had_candidate` becomes true when the level had an endpoint to offer (full or not).
  Pick tryLevel(size_t level, const PickRequest& req, uint64_t exclude, double scale,
                MonoTime now, bool* had_candidate);
  uint64_t random();
  double uniform() { return static_cast<double>(random() >> 11) * 0x1.0p-53; }

  const config::Cluster* cluster_;
  ClusterRuntime runtime_;
  std::vector<std::vector<int>> by_level_;  // endpoint indexes per level
  std::vector<size_t> round_robin_;         // per level
  std::vector<int> scratch_;                // candidates of one pick
  RetryBudget budget_;
  uint64_t rng_;
};

}  // namespace floodgate::upstream
