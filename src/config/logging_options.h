// The logging settings a config file and the quick start share: level names and access log
// targets, checked the same way for both.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace floodgate::config {

const std::vector<std::string>& logLevels();  // trace, debug, info, warn, error, off

// "" when level is one of logLevels(); else why not, to follow the quoted level:
// `is not a level; did you mean "warn"? (levels: ...)`.
std::string logLevelProblem(const std::string& level);

// The access log as Logging::access_log keeps it: "off" → "" (none), "-" → "stdout", anything
// else a file path.
Result<std::string> accessLogTarget(const std::string& written);

}  // namespace floodgate::config
