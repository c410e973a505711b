// RunSummary: every figure a storm run reports — legitimate experience, attack offered and
// admitted, the derived times and collateral — and the verdict of the scenario's expectations.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storm/derive.h"
#include "storm/run_record.h"

namespace floodgate::storm {

struct LatencyFigures {
  uint64_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  static LatencyFigures of(const LatencyHistogram& h);
};

struct ClassFigures {
  Counters totals;
  LatencyFigures latency;         // successful responses
  std::optional<double> success;  // ok / outcomes; none when nothing ended
};

struct GroupFigures {
  std::string name;
  GroupKind kind = GroupKind::kLegit;
  Counters totals;
  LatencyFigures latency;
  std::optional<double> success;
  double offered_rps = 0;  // requests (or connections) attempted per second of its activity
  std::optional<uint64_t> origin_requests;  // reached the origin (when alone in its range)
  uint64_t users = 0;                       // legitimate groups: distinct users
  uint64_t blocked_users = 0;               // legitimate groups: users that received a block
};

struct ExpectationResult {
  Expectation expectation;
  std::optional<double> value;
  bool held = false;
};

struct RunSummary {
  ClassFigures legit;
  ClassFigures attack;
  std::vector<GroupFigures> groups;
  double attack_offered_rps = 0;            // attack requests attempted per second of attack
  std::optional<uint64_t> attack_admitted;  // attack requests that reached the origin
  std::optional<double> attack_admitted_share;
  std::optional<uint64_t> legit_admitted;
  AttackWindow window;
  std::optional<Baseline> baseline;
  std::optional<double> time_to_mitigate_s;
  std::optional<double> time_to_recover_s;
  uint64_t legit_users = 0;
  uint64_t collateral_users = 0;
  std::optional<double> collateral;
  std::vector<ExpectationResult> expectations;
  bool passed = true;
  std::vector<std::string> warnings;  // where the measurement itself may be off

  // The value of an expectation metric (see expectationMetrics()).
  std::optional<double> figure(std::string_view metric) const;
};

RunSummary summarize(const Scenario& scenario, const RunRecord& record);

// Errors by kind, for tables and the report: {name, count}.
std::vector<std::pair<const char*, uint64_t>> errorsByKind(const Counters& c);

}  // namespace floodgate::storm
