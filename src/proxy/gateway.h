// The gateway process: worker threads serving the listeners, signals for drain and reload.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"

namespace floodgate::proxy {

// Runs until SIGTERM/SIGINT (drain, then exit). SIGHUP reloads from config_path when it is set.
// Returns the process exit code.
int runGateway(std::shared_ptr<const config::Config> config, const std::string& config_path);

}  // namespace floodgate::proxy
