// Reads the `governor:` section: the gates' thresholds, stage windows, dry run, and operator
// rules.
#pragma once

#include "config/problems.h"
#include "config/yaml_fields.h"

namespace floodgate::config {

// Fills config->governor from top's "governor" key, reporting problems.
void readGovernorSection(Fields& top, Config* config, ProblemList& problems);

}  // namespace floodgate::config
