#include "upstream/cluster_state.h"

namespace floodgate::upstream {

ClusterShared::ClusterShared(const config::Cluster& cluster) {
  for (size_t i = 0; i < cluster.endpoints.size(); ++i) {
    endpoints_.push_back(std::make_unique<EndpointStats>());
  }
  for (const auto& level : cluster.levels) {
    gates_.push_back(std::make_unique<LevelGate>(level.requests_per_second, level.concurrency));
  }
}

}  // namespace floodgate::upstream
