// StatusFeed: the gateway's side of the status page. Once a second, on the status plane's
// thread, it turns what the gateway saw — endpoint and path health from the upstream control
// side's last view (health checks, ejections, drains, failover to an alternate level), the
// defense loop's last tick (requests and 5xx per route, latency, the detector's anomaly and
// rules; a component of endpoints alone counts the attempts at them and their failures) and
// the shield's rejections — into status::Signals per configured component and a
// traffic sample for the charts. The defense loop hands its tick over with noteTick() and the
// upstream control side its views with noteUpstream(), each from its own thread.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "proxy/shield_runtime.h"
#include "shield/observation.h"
#include "status/service.h"
#include "upstream/cluster_state.h"

namespace floodgate::proxy {

// One defense tick, as much of it as the status page needs.
struct TrafficTick {
  uint64_t requests = 0;
  std::array<uint64_t, shield::WorkerObservation::kMaxRoutes> routes{};
  std::array<uint64_t, shield::WorkerObservation::kMaxRoutes> route_errors{};  // 5xx per route
  uint64_t errors_5xx = 0;
  uint64_t local = 0;  // answered by floodgate itself (429, 403, ...)
  double p99_ms = 0;
  bool anomaly = false;
  size_t rules = 0;
  static TrafficTick from(const shield::WorkerObservation& merged, bool anomaly, size_t rules);
  void add(const TrafficTick& later);  // two ticks within one second, as one
};

// The service's configuration from the config's status section.
status::ServiceOptions statusServiceOptions(const config::Config& config);

class StatusFeed {
 public:
  StatusFeed(const config::Config& config, status::StatusService* service,
             const ShieldState* shield);

  void noteTick(const TrafficTick& tick);  // any thread
  void noteUpstream(std::shared_ptr<const upstream::UpstreamView> view);  // any thread
  void second();                           // on the status plane's thread, once a second

 private:
  struct Watched {
    std::string id;
    std::vector<std::string> clusters;     // by name: a reload may reorder them
    std::vector<SocketAddress> endpoints;  // its own, found in whichever cluster has them
    std::vector<int> routes;
  };
  // One cluster's cumulative counters, or (from sinceLast) what they grew by in a second.
  struct ClusterCounts {
    std::shared_ptr<upstream::ClusterShared> shared;  // whose counters these are
    uint64_t shed = 0;
    std::vector<uint64_t> attempts;  // per endpoint: tries with a verdict
    std::vector<uint64_t> failures;  // per endpoint: 5xx and gateway failures
  };
  // Upstream health and shed requests of one component, as of `view`; without routes of its
  // own, its requests and errors are the attempts at its endpoints and their failures.
  void judgeEndpoints(const Watched& w, const upstream::UpstreamView& view,
                      const std::map<std::string, ClusterCounts>& grown, status::Signals* s) const;
  // Per cluster, how its counters grew since the last call.
  std::map<std::string, ClusterCounts> sinceLast(const upstream::UpstreamView& view);

  status::StatusService* service_;
  const ShieldState* shield_;
  std::vector<Watched> components_;
  uint64_t rejected_before_ = 0;
  std::map<std::string, ClusterCounts> seen_;  // per cluster, as last read
  std::mutex mu_;
  TrafficTick last_;
  bool fresh_ = false;
  std::shared_ptr<const upstream::UpstreamView> view_;
};

}  // namespace floodgate::proxy
