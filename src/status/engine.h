// StatusEngine: each component's status from the signals fed to it each second (through
// Hysteresis), automatic incidents opened, updated and resolved in plain words, scheduled
// maintenance applied, visitor reports weighed against their usual level, and the operators'
// own incidents. Everything goes through the Store before it counts. Not thread-safe: the
// owner (StatusService) serializes calls.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "status/classify.h"
#include "status/hysteresis.h"
#include "status/signals.h"
#include "status/store.h"

namespace floodgate::status {

struct EngineOptions {
  int worse_after = 2;     // seconds of worse readings before the status drops
  int better_after = 10;   // seconds of better readings before it recovers
  int resolve_after = 60;  // seconds back to normal before an automatic incident resolves
  Thresholds thresholds;
  // Visitor reports: a spike is at least `report_spike_min` reports in the last 15 minutes and
  // `report_spike_factor` times the usual 15 minutes of the day before.
  int report_spike_min = 5;
  double report_spike_factor = 4.0;
  size_t live_points = 300;  // seconds of chart history kept
};

// Downdetector's reading: are the recent reports far above what is usual for this component?
bool reportSpike(int recent_15min, int previous_day, const EngineOptions& options);

struct LivePoint {
  int64_t t = 0;  // Unix ms
  TrafficSample sample;
};

// Told of each automatic decision (a component's status changed, an automatic incident moved),
// for the event log: kind, subject, message.
using EventSink = std::function<void(const std::string&, const std::string&, const std::string&)>;

class StatusEngine {
 public:
  StatusEngine(Store* store, const Clock& clock, EngineOptions options,
               std::vector<Component> configured);

  // Adds the configured components to the store and restores their last status.
  Status start();
  void setEventSink(EventSink sink) { events_ = std::move(sink); }

  // One second of one component's signals (unknown ids are ignored).
  void observe(const std::string& component_id, const Signals& signals);
  void observeTraffic(const TrafficSample& sample);
  // Once a second after the observations: minute samples, maintenance windows, report spikes.
  void tick();

  // A visitor's report; false when it was not counted (unknown component, or the same
  // client already reported it this hour).
  Result<bool> report(const std::string& component_id, const std::string& client);

  // Operators (admin API). Component ids must exist; statuses and impacts must be valid.
  Result<Incident> createIncident(const std::string& name, const std::string& status,
                                  const std::string& impact, const std::string& body,
                                  const std::vector<std::string>& component_ids);
  Result<Incident> updateIncident(const std::string& id, const std::string& status,
                                  const std::string& body, const std::string& name = "",
                                  const std::string& impact = "");
  Result<Incident> scheduleMaintenance(const std::string& name, const std::string& body,
                                       int64_t scheduled_for, int64_t scheduled_until,
                                       const std::vector<std::string>& component_ids);

  const std::vector<Component>& components() const { return components_; }
  const Component* component(const std::string& id) const;
  // The last `days` days of a component's uptime from the store, with the minute being sampled
  // now counted in today's (so a fresh page has a bar for today).
  std::vector<DayUptime> uptime(const std::string& id, int days) const;
  const std::deque<LivePoint>& live() const { return live_; }
  Store& store() { return *store_; }
  int64_t now() const { return clock_.wallMillis(); }

 private:
  struct Tracked {
    explicit Tracked(Hysteresis h) : hysteresis(h) {}
    Hysteresis hysteresis;
    ComponentStatus derived = ComponentStatus::kOperational;  // before maintenance
    Signals last;
    int attack_streak = 0;  // consecutive seconds under attack
    int calm_streak = 0;    // consecutive seconds without
    bool attack = false;
    bool report_spike = false;
    bool maintenance = false;
    int64_t failed_over_at = 0;  // Unix ms; 0 when not failed over
    int64_t normal_since = 0;    // Unix ms the component last became trouble-free
    int64_t minute = -1;         // the minute being sampled and its worst status so far
    ComponentStatus minute_worst = ComponentStatus::kOperational;
    std::string incident_key;  // what the open incident last said, to post only changes
  };

  Tracked& tracked(size_t index) { return tracked_[index]; }
  int indexOf(const std::string& id) const;
  void setShown(size_t index, ComponentStatus shown);
  void followIncident(size_t index);
  void flushMinute(size_t index, int64_t minute);
  void applyMaintenance();
  std::string incidentBody(size_t index) const;
  void event(const std::string& kind, const std::string& subject, const std::string& message) {
    if (events_) events_(kind, subject, message);
  }

  Store* store_;
  const Clock& clock_;
  EngineOptions options_;
  std::vector<Component> components_;
  std::vector<Tracked> tracked_;
  std::deque<LivePoint> live_;
  int64_t last_spike_check_ = 0;
  EventSink events_;
};

}  // namespace floodgate::status
