// Reads the `status:` section (the public status page: listener, title, storage, components).
#pragma once

#include "config/problems.h"
#include "config/yaml_fields.h"

namespace floodgate::config {

// Fills config->status from top's "status" key. Cluster and route names are resolved against
// config->clusters and config->routes, so call it after those are read.
void readStatusSection(Fields& top, Config* config, ProblemList& problems);

// "Public API" -> "public-api": the id a component has in URLs and the Statuspage JSON.
std::string componentId(std::string_view name);

// The quick start's components: one per upstream endpoint of the first cluster.
void quickStartStatusComponents(Config* config);

// The status page judges endpoints by their clusters' health checks. A cluster a component
// watches that has none configured gets a TCP connect check twice a second, so that a dead
// origin shows on the page within seconds even when no traffic reaches it.
inline constexpr Duration kImpliedCheckInterval = milliseconds(500);
void addImpliedHealthChecks(Config* config);

}  // namespace floodgate::config
