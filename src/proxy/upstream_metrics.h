// UpstreamMetrics: the upstream part's health as Prometheus series (issue 6 "Exposed") — per
// endpoint healthy/ejected/draining and ejections, per level the endpoints able to take traffic,
// per cluster failovers, retries, shed requests by priority class and panic. Refreshed once a
// second on the control thread from UpstreamControl's snapshot: nothing on the request path.
#pragma once

#include "telemetry/registry.h"
#include "upstream/upstream_control.h"

namespace floodgate::proxy {

class UpstreamMetrics {
 public:
  explicit UpstreamMetrics(telemetry::Registry* registry) : registry_(registry) {}

  // Reads `control` (its lock, briefly) and sets every series. A series of an endpoint or
  // cluster that a reload removed keeps its last value: the registry does not forget series.
  void refresh(const upstream::UpstreamControl& control);

 private:
  void gauge(std::string_view name, std::string_view help, const telemetry::Labels& labels,
             double value);
  void counter(std::string_view name, std::string_view help, const telemetry::Labels& labels,
               double value);

  telemetry::Registry* registry_;
};

}  // namespace floodgate::proxy
