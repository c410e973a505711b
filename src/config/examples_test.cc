// Every example config shipped in examples/ must load cleanly: they are what users copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"

namespace floodgate::config {
namespace {

std::vector<std::string> exampleFiles() {
  std::vector<std::string> files;
  std::filesystem::path dir = std::filesystem::path(FLOODGATE_SOURCE_DIR) / "examples";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Examples, EveryExampleLoadsWithoutProblems) {
  std::vector<std::string> files = exampleFiles();
  EXPECT_GE(files.size(), 3u);
  for (const auto& f : files) {
    LoadResult r = loadConfigFile(f);
    EXPECT_TRUE(r.ok()) << r.describeProblems();
    EXPECT_TRUE(r.problems.empty()) << f;
  }
}

TEST(Examples, TheNamedOnesExist) {
  std::vector<std::string> files = exampleFiles();
  for (const char* name : {"minimal.yaml", "routes.yaml", "full.yaml"}) {
    bool found = std::any_of(files.begin(), files.end(), [&](const std::string& f) {
      return std::filesystem::path(f).filename() == name;
    });
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace floodgate::config
