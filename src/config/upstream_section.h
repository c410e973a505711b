// Reads a cluster's upstream-resilience settings: health_check, outlier_detection, retry,
// load_balancing, panic_threshold and slow_start (the levels are read with the endpoints).
#pragma once

#include "config/problems.h"
#include "config/yaml_fields.h"

namespace floodgate::config {

// The keys readUpstreamSettings understands, for the cluster's allowOnly list.
extern const std::vector<std::string> kUpstreamClusterKeys;

// Fills the settings above into *cluster from the cluster's fields, reporting problems.
void readUpstreamSettings(Fields& cluster_fields, Cluster* cluster, ProblemList& problems);

// A level's capacity: "capacity: 200/s" and "concurrency: 64" in a levels: item.
void readLevelCapacity(Fields& level_fields, Level* level);

}  // namespace floodgate::config
