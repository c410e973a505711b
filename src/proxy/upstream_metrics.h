// UpstreamMetrics: the upstream part's health as Prometheus series (issue 6 "Exposed") — per
// endpoint healthy/ejected/draining and ejections, per level the endpoints able to take traffic,
// per cluster failovers, retries, shed requests by priority class and panic. Refreshed once a
// second on the control thread from UpstreamControl's snapshot: nothing on the request path.
// Each metric is a callback family read from the last refresh, so the series of an endpoint or
// cluster that a reload removed are gone from the next scrape.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "telemetry/registry.h"
#include "upstream/upstream_control.h"

namespace floodgate::proxy {

class UpstreamMetrics {
 public:
  explicit UpstreamMetrics(telemetry::Registry* registry);

  // Reads `control` (its lock, briefly) and replaces every family's samples.
  void refresh(const upstream::UpstreamControl& control);

 private:
  using Samples = telemetry::Registry::Samples;
  using Snapshot = std::map<std::string, Samples, std::less<>>;  // by metric name

  // The last refresh, shared with the registry's callbacks (which may outlive this object).
  struct Last {
    mutable std::mutex mu;
    std::shared_ptr<const Snapshot> current = std::make_shared<Snapshot>();
    Samples read(std::string_view name) const;
    void replace(std::shared_ptr<const Snapshot> next);
  };
  std::shared_ptr<Last> last_ = std::make_shared<Last>();
};

}  // namespace floodgate::proxy
