// What the upstream control side and the workers share about one cluster. ClusterShared holds
// counters and gates every worker updates with relaxed atomics (no lock on the request path);
// ClusterHealth is the immutable snapshot of which endpoints may take traffic, published by
// the control side and swapped into each worker through its event loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "config/config.h"
#include "upstream/level_gate.h"

namespace floodgate::upstream {

// Live-traffic outcomes of one endpoint, cumulative; the control side takes differences.
struct EndpointStats {
  std::atomic<int> outstanding{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};  // 5xx from the origin, or a gateway failure
  std::atomic<uint64_t> latency_us{0};
  std::atomic<int> consecutive_5xx{0};
  std::atomic<int> consecutive_gateway{0};  // connect failures, resets, per-try timeouts
};

enum class Outcome : uint8_t {
  kSuccess,         // a response below 500
  kServerError,     // 5xx from the origin
  kGatewayFailure,  // no usable response: connect failure, reset, timeout
  kCancelled,       // no verdict on the endpoint (the client left, a stale pooled connection)
};

// Per-cluster counters, merged across workers by being shared.
struct ClusterCounters {
  std::atomic<uint64_t> downstream_requests{0};
  std::atomic<uint64_t> upstream_attempts{0};  // tries that reached an endpoint (sent bytes)
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> retries_refused_by_budget{0};
  std::atomic<uint64_t> failovers{0};          // requests served by a level other than the first
  std::atomic<uint64_t> shed{0};               // 503 at the edge: no level had room
  std::atomic<uint64_t> shed_by_class[3] = {};  // by shield::PriorityClass
  std::atomic<uint64_t> panic_picks{0};
};

class ClusterShared {
 public:
  explicit ClusterShared(const config::Cluster& cluster);

  EndpointStats& endpoint(size_t i) { return *endpoints_[i]; }
  size_t endpointCount() const { return endpoints_.size(); }
  LevelGate& gate(size_t level) { return *gates_[level]; }
  size_t levelCount() const { return gates_.size(); }
  ClusterCounters& counters() { return counters_; }

 private:
  std::vector<std::unique_ptr<EndpointStats>> endpoints_;
  std::vector<std::unique_ptr<LevelGate>> gates_;
  ClusterCounters counters_;
};

// Which endpoints may take traffic, as of one control decision. Immutable once published.
struct ClusterHealth {
  struct Endpoint {
    bool healthy = true;   // active checks
    bool ejected = false;  // outlier detection
    bool draining = false; // operator
    MonoTime available_since{};  // for slow start
    bool available() const { return healthy && !ejected && !draining; }
  };
  std::vector<Endpoint> endpoints;
  bool panic = false;  // too few available: spread over all endpoints, ignoring health
};

// Everything a worker needs for one cluster.
struct ClusterRuntime {
  std::shared_ptr<ClusterShared> shared;
  std::shared_ptr<const ClusterHealth> health;
};

// The control side's publication to workers: one runtime per cluster of `config`.
struct UpstreamView {
  std::shared_ptr<const config::Config> config;
  std::vector<ClusterRuntime> clusters;
};

}  // namespace floodgate::upstream
