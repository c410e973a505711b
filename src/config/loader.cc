#include "config/config.h"

namespace floodgate::config {
LoadResult loadConfigFile(const std::string& path) {
  return LoadResult{nullptr, {Problem{path, 0, 0, "config loading not built yet"}}};
}
LoadResult loadConfigString(const std::string&, const std::string& name) {
  return LoadResult{nullptr, {Problem{name, 0, 0, "config loading not built yet"}}};
}
LoadResult quickStartConfig(const QuickStart&) {
  return LoadResult{nullptr, {Problem{"<quick start>", 0, 0, "not built yet"}}};
}
std::string LoadResult::describeProblems() const { return ""; }
}  // namespace floodgate::config
