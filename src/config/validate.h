// Checks that span items (duplicates, references between routes and clusters, routing loops)
// and fills what validation resolves: the default route and Route::cluster_index.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/problems.h"

namespace floodgate::config {

// Worker threads one listener may ask for: far above any core count floodgate runs on, low
// enough that a typo (2000) is caught rather than spawning threads until memory runs out.
inline constexpr int kMaxWorkers = 256;

// Where each item came from, so a problem found across items points at the right line. Any
// vector may be shorter than the items (the quick start has no positions): {0, 0} is used.
struct SourceMarks {
  Where root;
  bool routes_given = false;  // "routes:" was written, even if empty or broken
  std::vector<Where> listener;
  std::vector<Where> listener_address;
  std::vector<Where> route;
  std::vector<Where> route_cluster;
  std::vector<Where> cluster_name;
  std::vector<std::vector<Where>> endpoint;  // [cluster][endpoint]
};

// Items whose own fields were invalid are still in config (so one bad cluster does not make
// every route naming it an error too); their invalid addresses are skipped here.
void validateConfig(Config& config, const SourceMarks& marks, ProblemList& problems);

}  // namespace floodgate::config
