// ProblemList: collects every problem found in one config source, so a user sees them all at
// once instead of fixing one, re-running, and finding the next.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace floodgate::config {

// A 1-based position in the source; {0, 0} when there is none (quick start, whole file).
struct Where {
  int line = 0;
  int column = 0;
};

class ProblemList {
 public:
  explicit ProblemList(std::string file) : file_(std::move(file)) {}

  void add(Where at, std::string message) {
    problems_.push_back(Problem{file_, at.line, at.column, std::move(message)});
  }
  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  const std::string& file() const { return file_; }

  // The problems in file order (cross-reference checks find theirs after the first pass, but
  // a user reads the file top to bottom).
  std::vector<Problem> take();

 private:
  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace floodgate::config
