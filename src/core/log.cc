#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace floodgate {

bool initLogging(const std::string& level) {
  static bool created = false;
  if (!created) {
    auto logger = spdlog::stderr_color_mt("floodgate");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    created = true;
  }
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  spdlog::set_level(lvl);
  return true;
}

}  // namespace floodgate
