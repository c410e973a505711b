// `floodgate storm`: the traffic lab — legitimate users and attackers, measured side by side.
#pragma once

#include <string>

namespace floodgate::storm {

struct StormOptions {
  std::string scenario_path;
  std::string target;        // overrides the scenario's target URL when set
  std::string report_dir;    // where report.json and the chart go; "" for none
  std::string origin_stats;  // overrides the scenario's origin stats URL when set
  int threads = 0;           // overrides the scenario's threads when above 0
  bool quiet = false;
};

int runStorm(const StormOptions& options);

}  // namespace floodgate::storm
