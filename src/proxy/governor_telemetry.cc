#include "proxy/governor_telemetry.h"

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

using governor::Stage;
using telemetry::MetricType;
namespace names = telemetry::names;

constexpr Stage kLiveStages[] = {Stage::kShadow, Stage::kCanary, Stage::kEnforced,
                                 Stage::kRelaxing};
constexpr Stage kMoveTargets[] = {Stage::kShadow,   Stage::kCanary,  Stage::kEnforced,
                                  Stage::kRelaxing, Stage::kExpired, Stage::kRolledBack};

}  // namespace

void registerGovernorMetrics(telemetry::Registry* registry, const governor::Governor* governor) {
  for (Stage stage : kLiveStages) {
    registry->callback(
        names::kRulesByState, "Live mitigation rules, by lifecycle stage.", MetricType::kGauge,
        {{"state", governor::stageName(stage)}}, [governor, stage] {
          return static_cast<double>(governor->liveByStage()[static_cast<size_t>(stage)]);
        });
  }
  for (Stage stage : kMoveTargets) {
    registry->callback(
        names::kGovernorTransitions,
        "Moves of mitigation rules between lifecycle stages, by target stage.",
        MetricType::kCounter, {{"to", governor::stageName(stage)}}, [governor, stage] {
          return static_cast<double>(governor->stats().moves_to[static_cast<size_t>(stage)]);
        });
  }
  registry->callback(names::kGovernorRollbacks,
                     "Mitigation rules rolled back by a gate or the kill switch.",
                     MetricType::kCounter, {},
                     [governor] { return static_cast<double>(governor->stats().rolled_back); });
}

}  // namespace floodgate::proxy
