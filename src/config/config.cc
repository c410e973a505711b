// The config model's own behavior: derived values and how problems are written out.
#include "config/config.h"

#include <algorithm>
#include <thread>

#include "config/problems.h"

namespace floodgate::config {

int Config::workerThreads() const {
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  int most = 1;
  for (const auto& l : listeners) most = std::max(most, l.workers == 0 ? cores : l.workers);
  return most;
}

int Config::clusterIndex(const std::string& name) const {
  for (size_t i = 0; i < clusters.size(); ++i) {
    if (clusters[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Problem::toString() const {
  // No "0:0" when there is no position (the quick start, an unreadable file).
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string LoadResult::describeProblems() const {
  std::string out;
  for (const auto& p : problems) out += p.toString() + "\n";
  return out;
}

std::vector<Problem> ProblemList::take() {
  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(problems_);
}

}  // namespace floodgate::config
