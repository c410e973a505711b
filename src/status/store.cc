#include "status/store.h"

#include <nlohmann/json.hpp>

namespace floodgate::status {
namespace {

// Each step runs in its own transaction with the user_version bump; never edit a shipped step,
// append a new one.
const std::vector<const char*> kMigrations = {
    // 1: the first schema.
    R"sql(
CREATE TABLE components (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'operational',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE component_minutes (
  component_id TEXT NOT NULL, minute INTEGER NOT NULL, status TEXT NOT NULL,
  PRIMARY KEY (component_id, minute)) WITHOUT ROWID;
CREATE TABLE component_days (
  component_id TEXT NOT NULL, day INTEGER NOT NULL, minutes INTEGER NOT NULL DEFAULT 0,
  degraded INTEGER NOT NULL DEFAULT 0, partial INTEGER NOT NULL DEFAULT 0,
  major INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (component_id, day)) WITHOUT ROWID;
CREATE TABLE incidents (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, impact TEXT NOT NULL,
  automatic INTEGER NOT NULL DEFAULT 0, maintenance INTEGER NOT NULL DEFAULT 0,
  cause TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL, monitoring_at INTEGER, resolved_at INTEGER,
  scheduled_for INTEGER, scheduled_until INTEGER);
CREATE INDEX incidents_by_update ON incidents (updated_at);
CREATE TABLE incident_components (
  incident_id TEXT NOT NULL, component_id TEXT NOT NULL,
  PRIMARY KEY (incident_id, component_id)) WITHOUT ROWID;
CREATE TABLE incident_updates (
  id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, display_at INTEGER NOT NULL,
  affected_components TEXT NOT NULL DEFAULT '[]');
CREATE INDEX updates_by_incident ON incident_updates (incident_id, created_at);
CREATE TABLE visitor_reports (
  component_id TEXT NOT NULL, client TEXT NOT NULL, hour INTEGER NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (component_id, client, hour)) WITHOUT ROWID;
CREATE INDEX reports_by_time ON visitor_reports (component_id, created_at);
)sql",
};

constexpr char kIncidentColumns[] =
    "id, name, status, impact, automatic, maintenance, cause, created_at, updated_at, "
    "started_at, monitoring_at, resolved_at, scheduled_for, scheduled_until";

std::optional<int64_t> optionalInteger(const Statement& s, int column) {
  if (s.isNull(column)) return std::nullopt;
  return s.integer(column);
}

void bindOptional(Statement& s, int index, const std::optional<int64_t>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bindNull(index);
  }
}

Incident readIncident(const Statement& s) {
  Incident i;
  i.id = s.text(0);
  i.name = s.text(1);
  i.status = s.text(2);
  i.impact = s.text(3);
  i.automatic = s.integer(4) != 0;
  i.maintenance = s.integer(5) != 0;
  i.cause = s.text(6);
  i.created_at = s.integer(7);
  i.updated_at = s.integer(8);
  i.started_at = s.integer(9);
  i.monitoring_at = optionalInteger(s, 10);
  i.resolved_at = optionalInteger(s, 11);
  i.scheduled_for = optionalInteger(s, 12);
  i.scheduled_until = optionalInteger(s, 13);
  return i;
}

std::string affectedJson(const std::vector<AffectedComponent>& affected) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& c : affected) {
    a.push_back({{"code", c.code},
                 {"name", c.name},
                 {"old_status", c.old_status},
                 {"new_status", c.new_status}});
  }
  return a.dump();
}

std::vector<AffectedComponent> parseAffected(const std::string& text) {
  std::vector<AffectedComponent> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& c : j) {
    out.push_back({c.value("code", ""), c.value("name", ""), c.value("old_status", ""),
                   c.value("new_status", "")});
  }
  return out;
}

Status insertUpdate(Database* db, const IncidentUpdate& u) {
  Statement s(db->handle(),
              "INSERT INTO incident_updates (id, incident_id, status, body, created_at, "
              "updated_at, display_at, affected_components) VALUES (?,?,?,?,?,?,?,?)");
  s.bind(1, u.id).bind(2, u.incident_id).bind(3, u.status).bind(4, u.body);
  s.bind(5, u.created_at).bind(6, u.updated_at).bind(7, u.display_at);
  s.bind(8, affectedJson(u.affected_components));
  return s.run();
}

}  // namespace

Store::Store(std::unique_ptr<Database> db) : db_(std::move(db)), random_(std::random_device{}()) {}

int Store::currentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

int Store::schemaVersion() const { return static_cast<int>(db_->pragmaInteger("user_version")); }

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return Error{db.error()};
  std::unique_ptr<Store> store(new Store(std::move(*db)));
  // WAL: readers never block the writer; FULL: a committed transaction survives power loss,
  // so an acknowledged update is never lost to kill -9 either.
  if (path != ":memory:") {
    Statement wal(store->db_->handle(), "PRAGMA journal_mode=WAL");
    if (!wal.step() || wal.text(0) != "wal") return Error{path + ": cannot switch to WAL mode"};
  }
  if (Status s = store->db_->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"); !s) {
    return Error{path + ": " + s.error()};
  }
  if (Status s = store->migrate(); !s) return Error{path + ": " + s.error()};
  return store;
}

Status Store::migrate() {
  int version = schemaVersion();
  if (version > currentSchemaVersion()) {
    return Error{"the database has schema version " + std::to_string(version) +
                 ", newer than this floodgate knows (" + std::to_string(currentSchemaVersion()) +
                 ")"};
  }
  for (int v = version; v < currentSchemaVersion(); ++v) {
    Transaction tx(db_.get());
    if (!tx.begun()) return Error{"cannot begin the migration to version " + std::to_string(v + 1)};
    if (Status s = db_->exec(kMigrations[v]); !s) {
      return Error{"migration to version " + std::to_string(v + 1) + ": " + s.error()};
    }
    if (Status s = db_->exec("PRAGMA user_version=" + std::to_string(v + 1)); !s) return s;
    if (Status s = tx.commit(); !s) return s;
  }
  return {};
}

std::string Store::newId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(12, 'a');
  for (auto& c : id) c = kAlphabet[random_() % 36];
  return id;
}

Status Store::syncComponents(const std::vector<Component>& configured, int64_t now) {
  Transaction tx(db_.get());
  if (!tx.begun()) return Error{"cannot begin a transaction"};
  for (const auto& c : configured) {
    Statement s(db_->handle(),
                "INSERT INTO components (id, name, description, position, status, created_at, "
                "updated_at) VALUES (?,?,?,?,'operational',?,?) ON CONFLICT(id) DO UPDATE SET "
                "name=excluded.name, description=excluded.description, "
                "position=excluded.position");
    s.bind(1, c.id).bind(2, c.name).bind(3, c.description).bind(4, int64_t{c.position});
    s.bind(5, now).bind(6, now);
    if (Status st = s.run(); !st) return st;
  }
  return tx.commit();
}

std::vector<Component> Store::components() const {
  std::vector<Component> out;
  Statement s(db_->handle(),
              "SELECT id, name, description, position, status, created_at, updated_at FROM "
              "components ORDER BY position, id");
  while (s.step()) {
    Component c;
    c.id = s.text(0);
    c.name = s.text(1);
    c.description = s.text(2);
    c.position = static_cast<int>(s.integer(3));
    c.status = parseStatus(s.text(4)).value_or(ComponentStatus::kOperational);
    c.created_at = s.integer(5);
    c.updated_at = s.integer(6);
    out.push_back(std::move(c));
  }
  return out;
}

Status Store::setComponentStatus(const std::string& id, ComponentStatus status, int64_t now) {
  Statement s(db_->handle(), "UPDATE components SET status=?, updated_at=? WHERE id=?");
  s.bind(1, std::string_view(statusName(status))).bind(2, now).bind(3, id);
  return s.run();
}

Status Store::recordMinute(const std::string& id, int64_t minute, ComponentStatus status) {
  Transaction tx(db_.get());
  if (!tx.begun()) return Error{"cannot begin a transaction"};
  Statement add(db_->handle(),
                "INSERT OR IGNORE INTO component_minutes (component_id, minute, status) "
                "VALUES (?,?,?)");
  add.bind(1, id).bind(2, minute).bind(3, std::string_view(statusName(status)));
  if (Status s = add.run(); !s) return s;
  if (sqlite3_changes(db_->handle()) == 1) {
    int sev = severity(status);
    Statement day(db_->handle(),
                  "INSERT INTO component_days (component_id, day, minutes, degraded, partial, "
                  "major) VALUES (?1, ?2, 1, ?3, ?4, ?5) ON CONFLICT(component_id, day) DO "
                  "UPDATE SET minutes=minutes+1, degraded=degraded+?3, partial=partial+?4, "
                  "major=major+?5");
    day.bind(1, id).bind(2, minute * kMinuteMs / kDayMs);
    day.bind(3, int64_t{sev == 1}).bind(4, int64_t{sev == 2}).bind(5, int64_t{sev == 3});
    if (Status s = day.run(); !s) return s;
    Statement prune(db_->handle(), "DELETE FROM component_minutes WHERE minute < ?");
    if (Status s = prune.bind(1, minute - 2 * 24 * 60).run(); !s) return s;
    Statement prune_days(db_->handle(), "DELETE FROM component_days WHERE day < ?");
    if (Status s = prune_days.bind(1, minute * kMinuteMs / kDayMs - kUptimeDays).run(); !s) {
      return s;
    }
  }
  return tx.commit();
}

std::vector<DayUptime> Store::uptime(const std::string& id, int64_t first_day,
                                     int64_t last_day) const {
  std::vector<DayUptime> out;
  Statement s(db_->handle(),
              "SELECT day, minutes, degraded, partial, major FROM component_days WHERE "
              "component_id=? AND day BETWEEN ? AND ? ORDER BY day");
  s.bind(1, id).bind(2, first_day).bind(3, last_day);
  while (s.step()) {
    out.push_back({s.integer(0), static_cast<int>(s.integer(1)), static_cast<int>(s.integer(2)),
                   static_cast<int>(s.integer(3)), static_cast<int>(s.integer(4))});
  }
  return out;
}

Result<Incident> Store::createIncident(Incident incident, IncidentUpdate first) {
  incident.id = newId();
  Transaction tx(db_.get());
  if (!tx.begun()) return Error{"cannot begin a transaction"};
  Statement s(db_->handle(), std::string("INSERT INTO incidents (") + kIncidentColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, incident.id).bind(2, incident.name).bind(3, incident.status).bind(4, incident.impact);
  s.bind(5, int64_t{incident.automatic}).bind(6, int64_t{incident.maintenance});
  s.bind(7, incident.cause).bind(8, incident.created_at).bind(9, incident.updated_at);
  s.bind(10, incident.started_at);
  bindOptional(s, 11, incident.monitoring_at);
  bindOptional(s, 12, incident.resolved_at);
  bindOptional(s, 13, incident.scheduled_for);
  bindOptional(s, 14, incident.scheduled_until);
  if (Status st = s.run(); !st) return Error{st.error()};
  for (const auto& c : incident.component_ids) {
    Statement link(db_->handle(),
                   "INSERT OR IGNORE INTO incident_components (incident_id, component_id) "
                   "VALUES (?,?)");
    if (Status st = link.bind(1, incident.id).bind(2, c).run(); !st) return Error{st.error()};
  }
  first.id = newId();
  first.incident_id = incident.id;
  if (Status st = insertUpdate(db_.get(), first); !st) return Error{st.error()};
  if (Status st = tx.commit(); !st) return Error{st.error()};
  incident.updates = {std::move(first)};
  return incident;
}

Result<Incident> Store::addUpdate(const std::string& incident_id, IncidentUpdate update,
                                  const std::string& name, const std::string& impact) {
  Transaction tx(db_.get());
  if (!tx.begun()) return Error{"cannot begin a transaction"};
  update.id = newId();
  update.incident_id = incident_id;
  Statement s(db_->handle(),
              "UPDATE incidents SET status=?1, updated_at=?2, "
              "monitoring_at=CASE WHEN ?1 IN ('monitoring','verifying') AND monitoring_at IS "
              "NULL THEN ?2 ELSE monitoring_at END, "
              "resolved_at=CASE WHEN ?1 IN ('resolved','completed') THEN ?2 ELSE NULL END, "
              "name=CASE WHEN ?4 <> '' THEN ?4 ELSE name END, "
              "impact=CASE WHEN ?5 <> '' THEN ?5 ELSE impact END WHERE id=?3");
  s.bind(1, update.status).bind(2, update.created_at).bind(3, incident_id).bind(4, name);
  s.bind(5, impact);
  if (Status st = s.run(); !st) return Error{st.error()};
  if (sqlite3_changes(db_->handle()) != 1) return Error{"no incident " + incident_id};
  if (Status st = insertUpdate(db_.get(), update); !st) return Error{st.error()};
  if (Status st = tx.commit(); !st) return Error{st.error()};
  auto stored = incident(incident_id);
  if (!stored) return Error{"no incident " + incident_id};
  return *stored;
}

void Store::loadDetails(Incident* incident) const {
  Statement c(db_->handle(),
              "SELECT component_id FROM incident_components WHERE incident_id=? ORDER BY "
              "component_id");
  c.bind(1, incident->id);
  while (c.step()) incident->component_ids.push_back(c.text(0));
  Statement u(db_->handle(),
              "SELECT id, status, body, created_at, updated_at, display_at, affected_components "
              "FROM incident_updates WHERE incident_id=? ORDER BY created_at DESC, rowid DESC");
  u.bind(1, incident->id);
  while (u.step()) {
    IncidentUpdate up;
    up.id = u.text(0);
    up.incident_id = incident->id;
    up.status = u.text(1);
    up.body = u.text(2);
    up.created_at = u.integer(3);
    up.updated_at = u.integer(4);
    up.display_at = u.integer(5);
    up.affected_components = parseAffected(u.text(6));
    incident->updates.push_back(std::move(up));
  }
}

std::vector<Incident> Store::selectIncidents(const std::string& where_sql, int64_t arg,
                                             const std::string& text_arg, int limit) const {
  std::vector<Incident> out;
  Statement s(db_->handle(), std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE " +
                                 where_sql + " ORDER BY started_at DESC, created_at DESC LIMIT ?3");
  s.bind(1, arg).bind(2, text_arg).bind(3, int64_t{limit});
  while (s.step()) out.push_back(readIncident(s));
  for (auto& i : out) loadDetails(&i);
  return out;
}

std::optional<Incident> Store::incident(const std::string& id) const {
  auto found = selectIncidents("id=?2 AND ?1=?1", 0, id, 1);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Incident> Store::incidents(const IncidentQuery& q) const {
  std::string where = "updated_at >= ?1 AND ?2=?2";
  if (q.open_only) where += " AND status NOT IN ('resolved','completed','postmortem')";
  if (q.maintenance) where += *q.maintenance ? " AND maintenance=1" : " AND maintenance=0";
  return selectIncidents(where, q.updated_since, "", q.limit);
}

std::optional<Incident> Store::openAutomatic(const std::string& cause) const {
  auto found = selectIncidents(
      "automatic=1 AND cause=?2 AND status NOT IN ('resolved','completed') AND ?1=?1", 0, cause, 1);
  if (found.empty()) return std::nullopt;
  return found.front();
}

Result<bool> Store::addReport(const std::string& component_id, const std::string& client,
                              int64_t now) {
  Statement s(db_->handle(),
              "INSERT OR IGNORE INTO visitor_reports (component_id, client, hour, created_at) "
              "VALUES (?,?,?,?)");
  s.bind(1, component_id).bind(2, client).bind(3, now / 3'600'000).bind(4, now);
  if (Status st = s.run(); !st) return Error{st.error()};
  bool added = sqlite3_changes(db_->handle()) == 1;
  // Reports older than the baseline's memory (two days) are of no further use.
  Statement prune(db_->handle(), "DELETE FROM visitor_reports WHERE created_at < ?");
  (void)prune.bind(1, now - 2 * kDayMs).run();
  return added;
}

int Store::reportsBetween(const std::string& component_id, int64_t from, int64_t to) const {
  Statement s(db_->handle(),
              "SELECT COUNT(*) FROM visitor_reports WHERE component_id=? AND created_at >= ? AND "
              "created_at < ?");
  s.bind(1, component_id).bind(2, from).bind(3, to);
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

}  // namespace floodgate::status
