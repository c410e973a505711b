// Expectation: a pass criterion a scenario states ("legit_success >= 0.995"); the exit code of
// a run says whether all of them held.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace floodgate::storm {

enum class Comparison { kGe, kLe, kGt, kLt, kEq };

struct Expectation {
  std::string metric;
  Comparison op = Comparison::kGe;
  double threshold = 0;  // in the metric's own unit (fraction, ms, s or count)
  std::string text;      // as written
  int line = 0;
  int column = 0;
};

enum class MetricUnit { kFraction, kMillis, kSeconds, kCount };

struct MetricInfo {
  const char* name;
  MetricUnit unit;
  const char* meaning;
};

// Every metric an expectation may name, with its unit.
const std::vector<MetricInfo>& expectationMetrics();

// Parses "<metric> <op> <value>": op is >=, <=, >, < or ==; value is a number, a percentage
// ("99.5%") for fractions, or a duration ("250ms", "5s") for time metrics.
Result<Expectation> parseExpectation(std::string_view text);

// Whether `value` satisfies the expectation; a figure that could not be measured (nullopt)
// never does.
bool expectationHolds(const Expectation& e, std::optional<double> value);
const char* comparisonText(Comparison op);

}  // namespace floodgate::storm
