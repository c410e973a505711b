// RunRecord: the whole run, second by second, merged across worker threads, with what the
// origin said it received from each group's source range in each second.
#pragma once

#include <optional>
#include <vector>

#include "storm/counters.h"
#include "storm/latency_histogram.h"
#include "storm/origin_stats.h"
#include "storm/scenario.h"
#include "storm/worker_series.h"

namespace floodgate::storm {

// The distinct source ranges of a scenario, each asked of the origin once per second.
struct SourceRange {
  CidrRange range;
  bool attack = false;
  std::vector<size_t> groups;  // the groups playing from it
};
std::vector<SourceRange> sourceRangesOf(const Scenario& scenario);

struct SecondRow {
  size_t second = 0;
  int phase = -1;  // index into Scenario::phases; -1 during the drain
  std::vector<Counters> groups;
  std::vector<std::optional<OriginCounts>> origin;  // per SourceRange: reached the origin
  LatencyHistogram legit_latency;                   // successful legitimate responses
  LatencyHistogram attack_latency;

  Counters legit(const Scenario& s) const { return sum(s, false); }
  Counters attack(const Scenario& s) const { return sum(s, true); }
  // Attack requests that reached the origin in this second, when the origin was asked.
  std::optional<uint64_t> attackAdmitted(const std::vector<SourceRange>& ranges) const;

 private:
  Counters sum(const Scenario& s, bool attack) const;
};

struct RunRecord {
  std::vector<SecondRow> seconds;
  std::vector<LatencyHistogram> group_latency;  // whole run, per group
  std::vector<uint64_t> blocked_users;          // per group
  std::vector<SourceRange> ranges;
  std::vector<std::optional<OriginCounts>> origin_total;  // per range, whole run
  bool origin_asked = false;
  std::string origin_error;  // why the origin could not be asked, if it could not
  double elapsed_s = 0;      // wall time of the run, drain included
  bool interrupted = false;
};

// Merges second `s` of every worker into one row (the phase is filled in by the caller).
SecondRow mergeSecond(const std::vector<const WorkerSeries*>& workers, size_t s, size_t groups,
                      size_t ranges);
// The phase playing at the start of second `s`, or -1 after the last.
int phaseAt(const Scenario& scenario, size_t s);

}  // namespace floodgate::storm
