// StatusFeed: the gateway's side of the status page. Once a second, on the control thread, it
// turns what the gateway saw — endpoint reachability from a ReachabilityProbe, the defense
// loop's last tick (requests per route, 5xx, latency, the detector's anomaly and rules) and
// the shield's rejections — into status::Signals per configured component and a traffic sample
// for the charts. The defense loop hands its tick over with noteTick() from its own thread.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "config/config.h"
#include "proxy/reachability_probe.h"
#include "proxy/shield_runtime.h"
#include "shield/observation.h"
#include "status/service.h"

namespace floodgate::proxy {

// One defense tick, as much of it as the status page needs.
struct TrafficTick {
  uint64_t requests = 0;
  std::array<uint64_t, shield::WorkerObservation::kMaxRoutes> routes{};
  uint64_t errors_5xx = 0;
  uint64_t local = 0;  // answered by floodgate itself (429, 403, ...)
  double p99_ms = 0;
  bool anomaly = false;
  size_t rules = 0;
  static TrafficTick from(const shield::WorkerObservation& merged, bool anomaly, size_t rules);
};

// The service's configuration from the config's status section.
status::ServiceOptions statusServiceOptions(const config::Config& config);

class StatusFeed {
 public:
  StatusFeed(EventLoop* loop, const config::Config& config, status::StatusService* service,
             const ShieldState* shield);

  void noteTick(const TrafficTick& tick);  // any thread
  void second();                           // on the loop's thread, once a second

 private:
  struct Watched {
    std::string id;
    std::vector<size_t> endpoints;  // indexes into the probe
    std::vector<int> routes;
  };
  status::StatusService* service_;
  const ShieldState* shield_;
  std::unique_ptr<ReachabilityProbe> probe_;
  std::vector<Watched> components_;
  bool probed_ = false;  // a round has finished: verdicts mean something
  uint64_t rejected_before_ = 0;
  std::mutex mu_;
  TrafficTick last_;
  bool fresh_ = false;
};

}  // namespace floodgate::proxy
