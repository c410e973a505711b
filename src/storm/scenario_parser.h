// Turns a scenario YAML file into a validated Scenario, or into "file:line:col: message" errors.
#pragma once

#include <string>

#include "core/result.h"
#include "storm/scenario.h"

namespace floodgate::storm {

// Errors come back one per line, each "file:line:col: message".
Result<Scenario> loadScenarioFile(const std::string& path);
Result<Scenario> parseScenarioText(const std::string& text, const std::string& file_label);

}  // namespace floodgate::storm
