// Logging: spdlog, configured once per process. Levels: trace, debug, info, warn, error, off.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace floodgate {

// Sets the process-wide log level and the log format; returns false for an unknown level.
bool initLogging(const std::string& level);

}  // namespace floodgate
