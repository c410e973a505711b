#include "status/engine.h"

#include <fmt/format.h>

#include <algorithm>

namespace floodgate::status {
namespace {

constexpr int64_t kQuarterHourMs = 15 * kMinuteMs;
constexpr int64_t kSpikeCheckMs = 30'000;

const char* impactFor(int sev) {
  switch (sev) {
    case 3:
      return "critical";
    case 2:
      return "major";
    case 1:
      return "minor";
    default:
      return "none";
  }
}

int impactRank(const std::string& impact) {
  if (impact == "critical") return 3;
  if (impact == "major") return 2;
  if (impact == "minor") return 1;
  return 0;
}

std::string causeOf(const std::string& component_id) { return "component:" + component_id; }

}  // namespace

bool reportSpike(int recent_15min, int previous_day, const EngineOptions& options) {
  double usual = previous_day / 96.0;  // 15-minute windows in a day
  return recent_15min >= options.report_spike_min &&
         recent_15min >= options.report_spike_factor * usual;
}

StatusEngine::StatusEngine(Store* store, const Clock& clock, EngineOptions options,
                           std::vector<Component> configured)
    : store_(store), clock_(clock), options_(options), components_(std::move(configured)) {
  for (size_t i = 0; i < components_.size(); ++i) {
    components_[i].position = static_cast<int>(i) + 1;
  }
}

Status StatusEngine::start() {
  int64_t t = now();
  if (Status s = store_->syncComponents(components_, t); !s) return s;
  std::map<std::string, Component> stored;
  for (auto& c : store_->components()) stored[c.id] = c;
  tracked_.clear();
  for (auto& c : components_) {
    const Component& s = stored[c.id];
    c.created_at = s.created_at;
    c.updated_at = s.updated_at;
    // A restart in the middle of an outage does not claim all is well before it has seen so.
    c.status = s.status;
    ComponentStatus derived =
        c.status == ComponentStatus::kUnderMaintenance ? ComponentStatus::kOperational : c.status;
    Tracked tr(Hysteresis(options_.worse_after, options_.better_after, derived));
    tr.derived = derived;
    if (store_->openAutomatic(causeOf(c.id))) tr.incident_key = "restored";
    tracked_.push_back(std::move(tr));
  }
  applyMaintenance();
  return {};
}

int StatusEngine::indexOf(const std::string& id) const {
  for (size_t i = 0; i < components_.size(); ++i) {
    if (components_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

const Component* StatusEngine::component(const std::string& id) const {
  int i = indexOf(id);
  return i < 0 ? nullptr : &components_[i];
}

std::vector<DayUptime> StatusEngine::uptime(const std::string& id, int days) const {
  int64_t today = now() / kDayMs;
  std::vector<DayUptime> out = store_->uptime(id, today - days + 1, today);
  int i = indexOf(id);
  if (i < 0 || tracked_[i].minute < 0 || tracked_[i].minute * kMinuteMs / kDayMs != today) {
    return out;
  }
  if (out.empty() || out.back().day != today) out.push_back(DayUptime{today});
  int sev = severity(tracked_[i].minute_worst);
  DayUptime& d = out.back();
  ++d.minutes;
  d.degraded += sev == 1;
  d.partial += sev == 2;
  d.major += sev == 3;
  return out;
}

void StatusEngine::observe(const std::string& component_id, const Signals& s) {
  int i = indexOf(component_id);
  if (i < 0) return;
  Tracked& t = tracked(i);
  int64_t at = now();
  t.last = s;
  t.derived = t.hysteresis.feed(classify(s, options_.thresholds));
  if (s.under_attack) {
    t.calm_streak = 0;
    if (++t.attack_streak >= options_.worse_after) t.attack = true;
  } else {
    t.attack_streak = 0;
    if (++t.calm_streak >= options_.better_after) t.attack = false;
  }
  if (!s.failed_over) {
    t.failed_over_at = 0;
  } else if (t.failed_over_at == 0) {
    t.failed_over_at = at;
  }
  setShown(i, t.maintenance ? ComponentStatus::kUnderMaintenance : t.derived);
  int64_t minute = at / kMinuteMs;
  if (t.minute != minute) {
    if (t.minute >= 0) flushMinute(i, t.minute);
    t.minute = minute;
    t.minute_worst = components_[i].status;
  } else if (severity(components_[i].status) > severity(t.minute_worst)) {
    t.minute_worst = components_[i].status;
  }
  followIncident(i);
}

void StatusEngine::observeTraffic(const TrafficSample& sample) {
  live_.push_back({now(), sample});
  while (live_.size() > options_.live_points) live_.pop_front();
}

void StatusEngine::setShown(size_t index, ComponentStatus shown) {
  Component& c = components_[index];
  if (c.status == shown) return;
  int64_t at = now();
  if (Status s = store_->setComponentStatus(c.id, shown, at); !s) return;  // retried next second
  event("status.component", c.id,
        fmt::format("{}: {} -> {}", c.name, statusName(c.status), statusName(shown)));
  c.status = shown;
  c.updated_at = at;
}

void StatusEngine::flushMinute(size_t index, int64_t minute) {
  (void)store_->recordMinute(components_[index].id, minute, tracked(index).minute_worst);
}

std::string StatusEngine::incidentBody(size_t index) const {
  const Tracked& t = tracked_[index];
  const std::string& name = components_[index].name;
  std::string body = describeSignals(name, t.derived, t.last, options_.thresholds);
  auto sentence = [&body](const std::string& text) {
    if (!body.empty()) body += ' ';
    body += text;
  };
  if (t.attack && !t.last.under_attack) {
    sentence(fmt::format("floodgate is still watching for attack traffic against {}.", name));
  }
  if (t.failed_over_at != 0) {
    sentence(
        fmt::format("Traffic moved to the alternate path at {}.", clockTime(t.failed_over_at)));
  }
  if (t.report_spike) {
    sentence(fmt::format("Visitors report problems with {}; we are investigating.", name));
  }
  return body;
}

void StatusEngine::followIncident(size_t index) {
  Tracked& t = tracked(index);
  const Component& c = components_[index];
  int sev = t.maintenance ? 0 : severity(t.derived);
  bool trouble = sev > 0 || t.attack || t.report_spike;
  int64_t at = now();
  std::string cause = causeOf(c.id);
  if (!trouble) {
    if (t.normal_since == 0) t.normal_since = at;
    if (t.incident_key.empty()) return;  // nothing open (start() notes a restored one)
    auto open = store_->openAutomatic(cause);
    if (!open) {
      t.incident_key.clear();
      return;
    }
    IncidentUpdate u;
    u.created_at = u.updated_at = u.display_at = at;
    if (open->status != "monitoring") {
      u.status = "monitoring";
      u.body = fmt::format("{} is working normally again since {}; we are monitoring.", c.name,
                           clockTime(t.normal_since));
    } else if (at - t.normal_since >= options_.resolve_after * 1000LL) {
      u.status = "resolved";
      u.body = fmt::format("This incident has been resolved: {} has worked normally since {}.",
                           c.name, clockTime(t.normal_since));
      u.affected_components = {{c.id, c.name, "", statusName(c.status)}};
    } else {
      return;
    }
    if (store_->addUpdate(open->id, u)) {
      t.incident_key = u.status == "resolved" ? "" : "normal";
      event("status.incident", open->id, u.status + ": " + open->name + ". " + u.body);
    }
    return;
  }
  t.normal_since = 0;
  std::string key = fmt::format("{}|{}|{}|{}|{}", sev, t.attack, t.last.mitigated,
                                t.failed_over_at != 0, t.report_spike);
  if (key == t.incident_key) return;
  std::string headline = sev == 3   ? fmt::format("Major outage of {}", c.name)
                         : sev == 2 ? fmt::format("Partial outage of {}", c.name)
                         : sev == 1 ? fmt::format("Degraded performance of {}", c.name)
                         : t.attack ? fmt::format("Attack traffic against {}", c.name)
                                    : fmt::format("Visitors report problems with {}", c.name);
  std::string impact = impactFor(std::max(sev, t.attack ? 1 : 0));
  IncidentUpdate u;
  u.created_at = u.updated_at = u.display_at = at;
  u.body = incidentBody(index);
  u.affected_components = {{c.id, c.name, "", statusName(c.status)}};
  auto open = store_->openAutomatic(cause);
  if (!open) {
    Incident incident;
    incident.name = headline;
    incident.status = "investigating";
    incident.impact = impact;
    incident.automatic = true;
    incident.cause = cause;
    incident.created_at = incident.updated_at = incident.started_at = at;
    incident.component_ids = {c.id};
    u.status = "investigating";
    u.affected_components[0].old_status = "operational";
    std::string message = "opened: " + headline + ". " + u.body;
    if (auto created = store_->createIncident(std::move(incident), std::move(u))) {
      t.incident_key = key;
      event("status.incident", created->id, message);
    }
    return;
  }
  // Something changed: say what floodgate knows now. Reports alone stay "investigating".
  u.status = sev == 0 && !t.attack ? "investigating" : "identified";
  bool escalate = impactRank(impact) > impactRank(open->impact);
  if (store_->addUpdate(open->id, u, escalate ? headline : "", escalate ? impact : "")) {
    t.incident_key = key;
    event("status.incident", open->id, u.status + ": " + u.body);
  }
}

void StatusEngine::applyMaintenance() {
  int64_t at = now();
  IncidentQuery q;
  q.open_only = true;
  q.maintenance = true;
  q.limit = 200;
  std::vector<bool> covered(components_.size(), false);
  for (auto& m : store_->incidents(q)) {
    IncidentUpdate u;
    u.created_at = u.updated_at = u.display_at = at;
    if (m.scheduled_until && at >= *m.scheduled_until) {
      u.status = "completed";
      u.body = "The scheduled maintenance has been completed.";
    } else if (m.status == "scheduled" && m.scheduled_for && at >= *m.scheduled_for) {
      u.status = "in_progress";
      u.body = "Scheduled maintenance is in progress.";
    }
    if (!u.status.empty()) {
      auto updated = store_->addUpdate(m.id, u);
      if (updated) m = *updated;
    }
    if (m.status != "in_progress" && m.status != "verifying") continue;
    for (const auto& id : m.component_ids) {
      int i = indexOf(id);
      if (i >= 0) covered[i] = true;
    }
  }
  for (size_t i = 0; i < components_.size(); ++i) {
    tracked_[i].maintenance = covered[i];
    setShown(i, covered[i] ? ComponentStatus::kUnderMaintenance : tracked_[i].derived);
  }
}

void StatusEngine::tick() {
  applyMaintenance();
  int64_t at = now();
  if (at - last_spike_check_ < kSpikeCheckMs) return;
  last_spike_check_ = at;
  for (size_t i = 0; i < components_.size(); ++i) {
    const std::string& id = components_[i].id;
    int recent = store_->reportsBetween(id, at - kQuarterHourMs, at + 1);
    int before = store_->reportsBetween(id, at - kQuarterHourMs - kDayMs, at - kQuarterHourMs);
    tracked_[i].report_spike = reportSpike(recent, before, options_);
  }
}

Result<bool> StatusEngine::report(const std::string& component_id, const std::string& client) {
  int i = indexOf(component_id);
  if (i < 0) return Error{"no component " + component_id};
  auto added = store_->addReport(component_id, client, now());
  if (added && *added) last_spike_check_ = 0;  // weigh it at the next tick
  return added;
}

Result<Incident> StatusEngine::createIncident(const std::string& name, const std::string& status,
                                              const std::string& impact, const std::string& body,
                                              const std::vector<std::string>& component_ids) {
  if (!isIncidentStatus(status)) {
    return Error{"status must be investigating, identified, monitoring or resolved"};
  }
  if (!isImpact(impact) || impact == "maintenance") {
    return Error{"impact must be none, minor, major or critical"};
  }
  for (const auto& id : component_ids) {
    if (indexOf(id) < 0) return Error{"no component " + id};
  }
  int64_t at = now();
  Incident incident;
  incident.name = name;
  incident.status = status;
  incident.impact = impact;
  incident.created_at = incident.updated_at = incident.started_at = at;
  if (status == "monitoring") incident.monitoring_at = at;
  if (status == "resolved") incident.resolved_at = at;
  incident.component_ids = component_ids;
  IncidentUpdate u;
  u.status = status;
  u.body = body;
  u.created_at = u.updated_at = u.display_at = at;
  return store_->createIncident(std::move(incident), std::move(u));
}

Result<Incident> StatusEngine::updateIncident(const std::string& id, const std::string& status,
                                              const std::string& body, const std::string& name,
                                              const std::string& impact) {
  auto existing = store_->incident(id);
  if (!existing) return Error{"no incident " + id};
  if (existing->maintenance ? !isMaintenanceStatus(status) : !isIncidentStatus(status)) {
    return Error{existing->maintenance
                     ? "status must be scheduled, in_progress, verifying or completed"
                     : "status must be investigating, identified, monitoring or resolved"};
  }
  if (!impact.empty() && (!isImpact(impact) || impact == "maintenance")) {
    return Error{"impact must be none, minor, major or critical"};
  }
  IncidentUpdate u;
  u.status = status;
  u.body = body;
  u.created_at = u.updated_at = u.display_at = now();
  auto updated = store_->addUpdate(id, u, name, impact);
  if (updated && existing->automatic && !updated->open()) {
    // An operator closed an automatic incident: the engine opens a new one if trouble goes on.
    for (size_t i = 0; i < components_.size(); ++i) {
      if (causeOf(components_[i].id) == existing->cause) tracked_[i].incident_key.clear();
    }
  }
  if (updated && existing->maintenance) applyMaintenance();
  return updated;
}

Result<Incident> StatusEngine::scheduleMaintenance(const std::string& name, const std::string& body,
                                                   int64_t scheduled_for, int64_t scheduled_until,
                                                   const std::vector<std::string>& component_ids) {
  if (scheduled_until <= scheduled_for) {
    return Error{"scheduled_until must be after scheduled_for"};
  }
  if (scheduled_until <= now()) return Error{"scheduled_until is in the past"};
  for (const auto& id : component_ids) {
    if (indexOf(id) < 0) return Error{"no component " + id};
  }
  int64_t at = now();
  Incident m;
  m.name = name;
  m.status = "scheduled";
  m.impact = "maintenance";
  m.maintenance = true;
  m.created_at = m.updated_at = at;
  m.started_at = scheduled_for;
  m.scheduled_for = scheduled_for;
  m.scheduled_until = scheduled_until;
  m.component_ids = component_ids;
  IncidentUpdate u;
  u.status = "scheduled";
  u.body = body;
  u.created_at = u.updated_at = u.display_at = at;
  auto created = store_->createIncident(std::move(m), std::move(u));
  if (created) applyMaintenance();
  return created;
}

}  // namespace floodgate::status
