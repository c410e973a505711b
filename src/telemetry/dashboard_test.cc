// The Grafana dashboard in deploy/ queries only metric names floodgate exports.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "telemetry/metric_names.h"

namespace floodgate::telemetry {
namespace {

TEST(DashboardTest, QueriesOnlyExportedMetrics) {
  std::ifstream in(std::string(FLOODGATE_SOURCE_DIR) + "/deploy/grafana/floodgate.json");
  ASSERT_TRUE(in.good());
  nlohmann::json dashboard = nlohmann::json::parse(in);
  std::set<std::string> known;
  for (std::string_view n :
       {names::kRequests, names::kUpstreamAttempts, names::kDownstreamRequests,
        names::kAmplification, names::kConnectionsActive, names::kRejections, names::kRules,
        names::kFindings, names::kControlTick, names::kResidentMemory, names::kEndpointHealthy,
        names::kEndpointEjected, names::kEndpointDraining, names::kEjections,
        names::kLevelHealthy, names::kFailovers, names::kRetries, names::kShed, names::kPanic,
        names::kRequestsByClass, names::kOriginQueued, names::kOriginShed, names::kAdaptiveLimit,
        names::kRulesByState, names::kGovernorRollbacks, names::kChallenges}) {
    known.insert(std::string(n));
  }
  for (std::string_view n : {names::kRequestDuration, names::kUpstreamDuration}) {
    known.insert(std::string(n) + "_bucket");
  }
  static const std::regex metric(R"(\b(floodgate_[a-z_]+|process_[a-z_]+))");
  size_t queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"];
      ++queries;
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        EXPECT_TRUE(known.count((*it)[1])) << (*it)[1] << " in panel " << panel["title"];
      }
    }
  }
  EXPECT_GE(queries, 10u);
}

}  // namespace
}  // namespace floodgate::telemetry
