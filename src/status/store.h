// Store: the status page's durable state in SQLite (WAL, synchronous=FULL): components, their
// per-minute samples rolled into per-day uptime (90 days), incidents with their updates,
// scheduled maintenance and visitor reports. Each write is one transaction; when a call
// returns success the data is on disk. The schema is migrated by PRAGMA user_version.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/result.h"
#include "status/model.h"
#include "status/sqlite.h"

namespace floodgate::status {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int kUptimeDays = 90;

struct IncidentQuery {
  bool open_only = false;
  std::optional<bool> maintenance;  // nullopt: both kinds
  int64_t updated_since = 0;        // Unix ms
  int limit = 50;
};

class Store {
 public:
  // Opens (creating) the database at `path` and migrates it to the current schema.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  static int currentSchemaVersion();
  int schemaVersion() const;

  // Makes the stored components match the configured ones (by id): new ones are added as
  // operational, known ones renamed/re-described/re-ordered, their status kept.
  Status syncComponents(const std::vector<Component>& configured, int64_t now);
  std::vector<Component> components() const;
  Status setComponentStatus(const std::string& id, ComponentStatus status, int64_t now);

  // One sample for `minute` (Unix minutes); a second sample for the same minute is ignored.
  // Rolls it into the day's counts and forgets samples older than two days and days older
  // than 90.
  Status recordMinute(const std::string& id, int64_t minute, ComponentStatus status);
  std::vector<DayUptime> uptime(const std::string& id, int64_t first_day, int64_t last_day) const;

  // Creates an incident (or maintenance) with its first update; ids are assigned here.
  Result<Incident> createIncident(Incident incident, IncidentUpdate first);
  // Appends an update and moves the incident to the update's status (setting monitoring_at /
  // resolved_at); `name` and `impact`, when non-empty, replace the incident's.
  Result<Incident> addUpdate(const std::string& incident_id, IncidentUpdate update,
                             const std::string& name = "", const std::string& impact = "");
  std::optional<Incident> incident(const std::string& id) const;
  std::vector<Incident> incidents(const IncidentQuery& query) const;
  // The open automatic incident with this cause, if any.
  std::optional<Incident> openAutomatic(const std::string& cause) const;

  // A visitor report; false when this client already reported this component this hour.
  Result<bool> addReport(const std::string& component_id, const std::string& client, int64_t now);
  int reportsBetween(const std::string& component_id, int64_t from, int64_t to) const;

 private:
  explicit Store(std::unique_ptr<Database> db);
  Status migrate();
  std::string newId();
  void loadDetails(Incident* incident) const;
  std::vector<Incident> selectIncidents(const std::string& where_sql, int64_t arg,
                                        const std::string& text_arg, int limit) const;

  std::unique_ptr<Database> db_;
  std::mt19937_64 random_;
};

}  // namespace floodgate::status
