// UpstreamControl: the control side of the upstream part (DESIGN.md "Upstream"). A thread with
// its own event loop runs the active health checks and, every 250 ms, outlier detection over
// the counters workers share; whenever an endpoint's standing changes it publishes a new
// immutable UpstreamView (the workers swap it in through their own loops). It also answers the
// operator (drainEndpoint), the telemetry (snapshotJson, traffic) and emits events.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/event_loop.h"
#include "core/result.h"
#include "upstream/cluster_state.h"
#include "upstream/health_probe.h"
#include "upstream/outlier_detector.h"

namespace floodgate::upstream {

// Upstream attempts per downstream request, per cluster: what retries cost the origins.
struct ClusterTraffic {
  std::string cluster;
  uint64_t downstream_requests = 0;
  uint64_t upstream_attempts = 0;
  uint64_t retries = 0;
  uint64_t failovers = 0;
  uint64_t shed = 0;
  double amplification() const {
    return downstream_requests == 0 ? 0
                                    : static_cast<double>(upstream_attempts) /
                                          static_cast<double>(downstream_requests);
  }
};

class UpstreamControl {
 public:
  using Publish = std::function<void(std::shared_ptr<const UpstreamView>)>;
  // kind ("upstream.endpoint_ejected"...), subject (cluster/endpoint), message, details.
  using EventSink = std::function<void(std::string_view kind, std::string_view subject,
                                       std::string_view message, const nlohmann::json& details)>;

  static constexpr Duration kTick = milliseconds(250);

  UpstreamControl(std::shared_ptr<const config::Config> config, int workers, Publish publish,
                  const Clock& clock = RealClock::instance());
  ~UpstreamControl();

  // Call before start. Events are logged with spdlog as well. The sink runs on the control
  // thread (or an admin caller's) with the control lock held: it must not call back in here.
  void setEventSink(EventSink sink);
  // The view to hand workers before they start (also published on start).
  std::shared_ptr<const UpstreamView> view() const;
  void start();
  void stop();
  // A reloaded config: health and outlier state start afresh for its clusters.
  void reconfigure(std::shared_ptr<const config::Config> config);

  // Thread-safe, for the admin API: stop sending new requests to `address` (as written in the
  // config, or ip:port) in every cluster that has it; `drain` false puts it back.
  Result<std::string> drainEndpoint(std::string_view address, bool drain = true);
  // Thread-safe: clusters, levels and endpoints with health, ejections, counters.
  nlohmann::json snapshotJson() const;
  std::vector<ClusterTraffic> traffic() const;

  // One outlier tick on the caller's thread (the loop calls it every kTick; tests may too).
  void tick();

 private:
  struct EndpointControl {
    bool healthy = true;
    bool draining = false;
    MonoTime available_since{};
    std::string last_check;
  };
  struct ClusterControl {
    const config::Cluster* config = nullptr;
    std::shared_ptr<ClusterShared> shared;
    std::unique_ptr<OutlierDetector> outlier;
    std::vector<std::unique_ptr<HealthProbe>> probes;
    std::vector<EndpointControl> endpoints;
    std::shared_ptr<const ClusterHealth> health;
    std::vector<bool> level_up;  // for failover / restore events
    bool panic = false;
  };

  void build(std::shared_ptr<const config::Config> config);  // with mu_ held
  void startProbes();                                        // on the loop thread
  void onProbe(size_t cluster, size_t endpoint, bool healthy, const std::string& detail);
  // Rebuilds the health snapshots and hands the new view to the workers; with mu_ held.
  void publish();
  void emit(std::string_view kind, std::string_view subject, std::string message,
            nlohmann::json details);
  std::string subjectOf(const ClusterControl& c, size_t endpoint) const;

  const Clock& clock_;
  int workers_;
  Publish publish_;
  EventSink sink_;
  EventLoop loop_;
  Timer tick_timer_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::shared_ptr<const config::Config> config_;
  std::vector<ClusterControl> clusters_;
  std::shared_ptr<const UpstreamView> view_;
};

}  // namespace floodgate::upstream
