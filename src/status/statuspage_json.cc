#include "status/statuspage_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace floodgate::status {
namespace {

nlohmann::json optionalTime(const std::optional<int64_t>& t) {
  return t ? nlohmann::json(isoTime(*t)) : nlohmann::json(nullptr);
}

int impactLevel(const std::string& impact) {
  if (impact == "critical") return 3;
  if (impact == "major") return 2;
  if (impact == "minor") return 1;
  return 0;
}

}  // namespace

std::string isoTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<int>(unix_ms % 1000));
}

Indicator overallIndicator(const std::vector<Component>& components,
                           const std::vector<Incident>& unresolved) {
  int level = 0;
  bool maintenance = false;
  for (const auto& c : components) {
    if (c.status == ComponentStatus::kUnderMaintenance) maintenance = true;
    level = std::max(level, severity(c.status));
  }
  for (const auto& i : unresolved) {
    if (i.maintenance) {
      maintenance = maintenance || i.status == "in_progress" || i.status == "verifying";
    } else {
      level = std::max(level, impactLevel(i.impact));
    }
  }
  switch (level) {
    case 3:
      return {"critical", "Major System Outage"};
    case 2:
      return {"major", "Partial System Outage"};
    case 1:
      return {"minor", "Minor Service Outage"};
    default:
      return maintenance ? Indicator{"maintenance", "Service Under Maintenance"}
                         : Indicator{"none", "All Systems Operational"};
  }
}

nlohmann::json pageJson(const PageInfo& page) {
  return {{"id", page.id},
          {"name", page.name},
          {"url", page.url},
          {"time_zone", "Etc/UTC"},
          {"updated_at", isoTime(page.updated_at)}};
}

nlohmann::json componentJson(const Component& c, const PageInfo& page) {
  return {{"id", c.id},
          {"name", c.name},
          {"status", statusName(c.status)},
          {"created_at", isoTime(c.created_at)},
          {"updated_at", isoTime(c.updated_at)},
          {"position", c.position},
          {"description",
           c.description.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.description)},
          {"showcase", true},
          {"start_date", isoTime(c.created_at).substr(0, 10)},
          {"group_id", nullptr},
          {"page_id", page.id},
          {"group", false},
          {"only_show_if_degraded", false}};
}

nlohmann::json incidentJson(const Incident& i, const std::vector<Component>& components,
                            const PageInfo& page) {
  nlohmann::json updates = nlohmann::json::array();
  for (const auto& u : i.updates) {
    nlohmann::json affected = nlohmann::json::array();
    for (const auto& a : u.affected_components) {
      affected.push_back({{"code", a.code},
                          {"name", a.name},
                          {"old_status", a.old_status},
                          {"new_status", a.new_status}});
    }
    updates.push_back({{"id", u.id},
                       {"status", u.status},
                       {"body", u.body},
                       {"incident_id", i.id},
                       {"created_at", isoTime(u.created_at)},
                       {"updated_at", isoTime(u.updated_at)},
                       {"display_at", isoTime(u.display_at)},
                       {"affected_components", affected},
                       {"deliver_notifications", false},
                       {"custom_tweet", nullptr},
                       {"tweet_id", nullptr}});
  }
  nlohmann::json linked = nlohmann::json::array();
  for (const auto& id : i.component_ids) {
    for (const auto& c : components) {
      if (c.id == id) linked.push_back(componentJson(c, page));
    }
  }
  nlohmann::json j = {{"id", i.id},
                      {"name", i.name},
                      {"status", i.status},
                      {"created_at", isoTime(i.created_at)},
                      {"updated_at", isoTime(i.updated_at)},
                      {"monitoring_at", optionalTime(i.monitoring_at)},
                      {"resolved_at", optionalTime(i.resolved_at)},
                      {"impact", i.impact},
                      {"shortlink", page.url + "/incidents/" + i.id},
                      {"started_at", isoTime(i.started_at)},
                      {"page_id", page.id},
                      {"incident_updates", updates},
                      {"components", linked}};
  if (i.maintenance) {
    j["scheduled_for"] = optionalTime(i.scheduled_for);
    j["scheduled_until"] = optionalTime(i.scheduled_until);
  }
  return j;
}

nlohmann::json incidentsJson(const std::vector<Incident>& list,
                             const std::vector<Component>& components, const PageInfo& page) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : list) out.push_back(incidentJson(i, components, page));
  return out;
}

}  // namespace floodgate::status
