// StatusService: the status engine, its store and the two HTTP faces of the status page —
// the public handler (page, Statuspage JSON, feeds, badges, visitor reports) and the admin
// handler (operators' incidents and maintenance, mounted under /api/v1/status). Calls from
// the control thread's handlers and the once-a-second feed are serialized by one mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "status/engine.h"
#include "status/statuspage_json.h"
#include "web/handler.h"

namespace floodgate::status {

struct ServiceOptions {
  std::string title = "floodgate";
  std::string database = "data/status.db";
  std::string page_url;  // public URL of the page; "" until the listener is bound
  EngineOptions engine;
  std::vector<Component> components;     // id, name, description
  int reports_per_client_per_hour = 10;  // across components, before 429
  EventSink events;                      // optional: the engine's decisions, for the event log
};

class StatusService {
 public:
  static Result<std::unique_ptr<StatusService>> open(ServiceOptions options,
                                                     const Clock& clock = RealClock::instance());

  void setPageUrl(std::string url);
  // One second of signals: each component's, then the whole gateway's traffic.
  void observe(const std::vector<std::pair<std::string, Signals>>& components,
               const TrafficSample& traffic);

  web::Handler publicHandler();
  web::Handler adminHandler();

  // For tests and the admin API: the components as the page shows them.
  std::vector<Component> components();

 private:
  StatusService(ServiceOptions options, const Clock& clock, std::unique_ptr<Store> store);
  web::Response servePublic(const web::Request& request);
  web::Response serveAdmin(const web::Request& request);
  web::Response page(const std::string& notice, int status = 200);
  web::Response report(const web::Request& request);
  web::Response liveJson();
  web::Response badge(const std::string& path);
  web::Response adminCreateIncident(const web::Request& request);
  web::Response adminUpdateIncident(const std::string& id, const web::Request& request);
  web::Response adminScheduleMaintenance(const web::Request& request);
  PageInfo pageInfo();
  std::vector<Incident> unresolved(std::optional<bool> maintenance);

  ServiceOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StatusEngine> engine_;
  std::string page_id_;
  std::map<std::string, std::pair<int64_t, int>> report_budget_;  // client -> (hour, count)
};

}  // namespace floodgate::status
