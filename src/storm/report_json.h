// report.json: every figure of a run and its per-second series, for scripts and for the peers
// benchmark to read back.
#pragma once

#include <string>

#include "storm/run_record.h"
#include "storm/run_summary.h"

namespace floodgate::storm {

struct RunContext {
  const Scenario* scenario = nullptr;
  std::string target;
  std::string origin_stats;  // empty when not asked
  int threads = 1;
  int64_t started_unix_ms = 0;
  double generator_cpu = 0;  // CPU seconds used by storm per wall second per thread (0..1)
};

std::string reportJson(const RunContext& context, const RunRecord& record,
                       const RunSummary& summary);

}  // namespace floodgate::storm
