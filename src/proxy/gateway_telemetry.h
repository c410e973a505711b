// The gateway's readings for telemetry and the admin API: the metric series read from the
// shield and the defense loop when scraped, the amplification factor over a sliding window,
// and the JSON answers of /api/v1/shield and /api/v1/config.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "proxy/defense_loop.h"
#include "proxy/shield_runtime.h"
#include "telemetry/registry.h"

namespace floodgate::proxy {

// Connections, rejections by stage and reason, rules by action, findings by kind, the defense
// tick time and the process's resident memory — all read when scraped, nothing on the data path.
void registerGatewayMetrics(telemetry::Registry* registry, const ShieldState* shield,
                            const DefenseLoop* defense);

// The shield's own series, read when scraped: requests by priority class, origin protection's
// queued/shed/timed-out requests by class, challenges issued/passed/failed, the adaptive limit
// toward each cluster (`clusters` names them, by index, as of now), the top offenders of the
// last tick (at most 10 sources and 10 prefixes) and the detector's memory.
void registerShieldMetrics(telemetry::Registry* registry, const ShieldState* shield,
                           const DefenseLoop* defense,
                           std::function<std::vector<std::string>()> clusters);

// floodgate_amplification_factor{cluster}: upstream attempts ÷ downstream requests over the last
// kWindow updates (one a second), 0 while a cluster had no requests in the window.
class AmplificationWindow {
 public:
  static constexpr size_t kWindow = 10;
  void update(telemetry::Registry& registry, const config::Config& config);

 private:
  std::map<std::string, std::deque<std::pair<double, double>>> totals_;  // attempts, requests
};

nlohmann::json describeShield(const ShieldState& shield, const DefenseLoop& defense,
                              const config::Config& config);
nlohmann::json describeConfig(const config::Config& config);

}  // namespace floodgate::proxy
