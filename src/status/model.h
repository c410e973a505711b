// The status page's vocabulary, with Atlassian Statuspage's names: component statuses,
// incident statuses and impacts, and the records the store keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace floodgate::status {

// Ordered from best to worst; kUnderMaintenance is apart (announced, not derived).
enum class ComponentStatus : uint8_t {
  kOperational,
  kDegradedPerformance,
  kPartialOutage,
  kMajorOutage,
  kUnderMaintenance,
};
const char* statusName(ComponentStatus s);   // "operational", "degraded_performance", ...
const char* statusLabel(ComponentStatus s);  // "Operational", "Degraded performance", ...
std::optional<ComponentStatus> parseStatus(std::string_view name);
int severity(ComponentStatus s);  // 0 operational .. 3 major outage; maintenance counts as 0

// Incident lifecycle, as Statuspage names it.
bool isIncidentStatus(std::string_view s);     // investigating identified monitoring resolved
bool isMaintenanceStatus(std::string_view s);  // scheduled in_progress verifying completed
bool isImpact(std::string_view s);             // none minor major critical maintenance

struct Component {
  std::string id;  // stable: from the configured name
  std::string name;
  std::string description;
  int position = 0;
  ComponentStatus status = ComponentStatus::kOperational;
  int64_t created_at = 0;  // Unix ms
  int64_t updated_at = 0;
};

struct AffectedComponent {
  std::string code;  // component id
  std::string name;
  std::string old_status;
  std::string new_status;
};

struct IncidentUpdate {
  std::string id;
  std::string incident_id;
  std::string status;
  std::string body;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t display_at = 0;
  std::vector<AffectedComponent> affected_components;
};

struct Incident {
  std::string id;
  std::string name;
  std::string status;  // investigating... or, for maintenance, scheduled...
  std::string impact;  // none minor major critical maintenance
  bool automatic = false;
  bool maintenance = false;
  std::string cause;  // automatic incidents: "component:<id>", "attack:<id>", "reports:<id>"
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t started_at = 0;
  std::optional<int64_t> monitoring_at;
  std::optional<int64_t> resolved_at;
  std::optional<int64_t> scheduled_for;  // maintenance only
  std::optional<int64_t> scheduled_until;
  std::vector<std::string> component_ids;
  std::vector<IncidentUpdate> updates;  // newest first, as Statuspage lists them

  bool open() const {
    return status != "resolved" && status != "completed" && status != "postmortem";
  }
};

// One day of a component's minutes, for the 90-day bars.
struct DayUptime {
  int64_t day = 0;  // days since the Unix epoch (UTC)
  int minutes = 0;  // sampled minutes
  int degraded = 0;
  int partial = 0;
  int major = 0;
  // Statuspage's weighting: a major-outage minute counts fully, a partial one 30%.
  double uptime() const {
    return minutes == 0 ? 1.0 : 1.0 - (major + 0.3 * partial) / static_cast<double>(minutes);
  }
};

}  // namespace floodgate::status
