// Reads the `shield:` section (blocklist, connection caps, minimum transfer rate, rate limits).
#pragma once

#include "config/problems.h"
#include "config/yaml_fields.h"

namespace floodgate::config {

// Fills config->shield from top's "shield" key, reporting problems. Route names in rate limits
// are resolved against config->routes, so call it after the routes are read.
void readShieldSection(Fields& top, Config* config, ProblemList& problems);

// "20", "20/s", "600/m", "36000/h" -> requests per second; false when malformed.
bool parseRequestRate(std::string_view text, double* per_second);

}  // namespace floodgate::config
