#include "config/logging_options.h"

#include <algorithm>

#include "config/messages.h"

namespace floodgate::config {

const std::vector<std::string>& logLevels() {
  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
  return levels;
}

std::string logLevelProblem(const std::string& level) {
  const auto& levels = logLevels();
  if (std::find(levels.begin(), levels.end(), level) != levels.end()) return "";
  return "is not a level" + didYouMean(level, levels) + " (levels: " + joinNames(levels) + ")";
}

Result<std::string> accessLogTarget(const std::string& written) {
  if (written == "off") return std::string();
  if (written == "-") return std::string("stdout");
  for (char c : written) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return makeError("must be off, stdout, or a file path on one line");
    }
  }
  return written;
}

}  // namespace floodgate::config
