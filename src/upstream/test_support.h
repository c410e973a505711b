// Helpers for unit tests that drive the upstream control side (here and in src/proxy).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"

namespace floodgate::upstream::testing {

// Cluster "app": 127.0.0.1:9000 the primary level, 127.0.0.1:9001 the alternate (declared at
// 100 requests/s); half the cluster may be ejected at once.
inline std::shared_ptr<const config::Config> twoLevels() {
  auto c = std::make_shared<config::Config>();
  config::Cluster cluster;
  cluster.name = "app";
  cluster.levels.resize(2);
  cluster.levels[1].requests_per_second = 100;
  cluster.outlier_detection.max_ejected_percent = 50;
  for (int i = 0; i < 2; ++i) {
    config::Endpoint e;
    e.address_text = "127.0.0.1:900" + std::to_string(i);
    e.address = *SocketAddress::parse(e.address_text);
    e.level = i;
    cluster.endpoints.push_back(e);
  }
  c->clusters.push_back(cluster);
  return c;
}

}  // namespace floodgate::upstream::testing
