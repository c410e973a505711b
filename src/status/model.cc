#include "status/model.h"

#include <array>

namespace floodgate::status {
namespace {

constexpr std::array<const char*, 5> kNames = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"};
constexpr std::array<const char*, 5> kLabels = {
    "Operational", "Degraded performance", "Partial outage", "Major outage", "Under maintenance"};

bool oneOf(std::string_view s, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (s == n) return true;
  }
  return false;
}

}  // namespace

const char* statusName(ComponentStatus s) { return kNames[static_cast<size_t>(s)]; }
const char* statusLabel(ComponentStatus s) { return kLabels[static_cast<size_t>(s)]; }

std::optional<ComponentStatus> parseStatus(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (name == kNames[i]) return static_cast<ComponentStatus>(i);
  }
  return std::nullopt;
}

int severity(ComponentStatus s) {
  return s == ComponentStatus::kUnderMaintenance ? 0 : static_cast<int>(s);
}

bool isIncidentStatus(std::string_view s) {
  return oneOf(s, {"investigating", "identified", "monitoring", "resolved"});
}
bool isMaintenanceStatus(std::string_view s) {
  return oneOf(s, {"scheduled", "in_progress", "verifying", "completed"});
}
bool isImpact(std::string_view s) {
  return oneOf(s, {"none", "minor", "major", "critical", "maintenance"});
}

}  // namespace floodgate::status
