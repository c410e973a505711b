#include "status/service.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "status/feeds.h"
#include "status/page_html.h"
#include "web/json.h"

namespace floodgate::status {
namespace {

constexpr size_t kMaxName = 200;
constexpr size_t kMaxBody = 10'000;
constexpr size_t kMaxReportClients = 10'000;  // bounded memory for the per-client budget

web::Response withHeaders(web::Response r, bool cors) {
  r.headers.push_back({"Cache-Control", "no-cache"});
  if (cors) r.headers.push_back({"Access-Control-Allow-Origin", "*"});
  return r;
}

web::Response jsonAnswer(const nlohmann::json& body) {
  return withHeaders(web::jsonResponse(200, body), true);
}

std::string percentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// The value of `key` in an application/x-www-form-urlencoded body, "" when absent.
std::string formValue(std::string_view body, std::string_view key) {
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    size_t eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) == key) {
      return eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return "";
}

// "2026-11-25T06:00:00Z" (seconds and fraction optional) -> Unix ms.
std::optional<int64_t> parseIsoTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &consumed) != 5) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(consumed);
  int sec = 0, used = 0;
  if (!rest.empty() && rest[0] == ':') {
    if (std::sscanf(std::string(rest).c_str(), ":%2d%n", &sec, &used) != 1) return std::nullopt;
    rest.remove_prefix(used);
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
        rest.remove_prefix(1);
      }
    }
  }
  if (rest != "Z" && rest != "+00:00") return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// Field checks for the admin calls: every problem is a 400 before anything changes.
class Fields {
 public:
  explicit Fields(const nlohmann::json& j) : j_(j) {}
  bool allowOnly(std::initializer_list<const char*> keys) {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known = known || it.key() == k;
      if (!known) return fail(fmt::format("unknown field \"{}\"", it.key()));
    }
    return true;
  }
  bool text(const char* key, std::string* out, bool required, size_t max) {
    if (!j_.contains(key)) return !required || fail(fmt::format("\"{}\" is required", key));
    if (!j_[key].is_string()) return fail(fmt::format("\"{}\" must be a string", key));
    *out = j_[key].get<std::string>();
    if (required && out->empty()) return fail(fmt::format("\"{}\" must not be empty", key));
    if (out->size() > max) return fail(fmt::format("\"{}\" is longer than {} bytes", key, max));
    return true;
  }
  bool list(const char* key, std::vector<std::string>* out) {
    if (!j_.contains(key)) return true;
    if (!j_[key].is_array()) return fail(fmt::format("\"{}\" must be a list of ids", key));
    for (const auto& v : j_[key]) {
      if (!v.is_string()) return fail(fmt::format("\"{}\" must be a list of ids", key));
      out->push_back(v.get<std::string>());
    }
    return true;
  }
  bool time(const char* key, int64_t* out) {
    std::string text;
    if (!this->text(key, &text, true, 64)) return false;
    auto t = parseIsoTime(text);
    if (!t) return fail(fmt::format("\"{}\" must be a UTC time like 2026-11-25T06:00:00Z", key));
    *out = *t;
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  const nlohmann::json& j_;
  std::string error_;
};

std::string pageIdFor(const std::string& title) {
  uint64_t h = 14695981039346656037ull;
  for (char c : title) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::string id;
  for (int i = 0; i < 12; ++i, h /= 36) id += "abcdefghijklmnopqrstuvwxyz0123456789"[h % 36];
  return id;
}

}  // namespace

Result<std::unique_ptr<StatusService>> StatusService::open(ServiceOptions options,
                                                           const Clock& clock) {
  if (options.database != ":memory:") {
    std::error_code ec;
    auto dir = std::filesystem::path(options.database).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return Error{"status.database " + options.database + ": " + ec.message()};
  }
  auto store = Store::open(options.database);
  if (!store) return Error{"status.database " + store.error()};
  std::unique_ptr<StatusService> service(
      new StatusService(std::move(options), clock, std::move(*store)));
  if (Status s = service->engine_->start(); !s) return Error{"status engine: " + s.error()};
  return service;
}

StatusService::StatusService(ServiceOptions options, const Clock& clock,
                             std::unique_ptr<Store> store)
    : options_(std::move(options)), clock_(clock), store_(std::move(store)) {
  engine_ =
      std::make_unique<StatusEngine>(store_.get(), clock_, options_.engine, options_.components);
  engine_->setEventSink(options_.events);
  page_id_ = pageIdFor(options_.title);
}

void StatusService::setPageUrl(std::string url) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.page_url = std::move(url);
}

void StatusService::observe(const std::vector<std::pair<std::string, Signals>>& components,
                            const TrafficSample& traffic) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, signals] : components) engine_->observe(id, signals);
  engine_->observeTraffic(traffic);
  engine_->tick();
}

std::vector<Component> StatusService::components() {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_->components();
}

web::Handler StatusService::publicHandler() {
  return [this](const web::Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    return servePublic(r);
  };
}

web::Handler StatusService::adminHandler() {
  return [this](const web::Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    return serveAdmin(r);
  };
}

PageInfo StatusService::pageInfo() {
  PageInfo p{page_id_, options_.title, options_.page_url, 0};
  p.updated_at = engine_->now();
  return p;
}

std::vector<Incident> StatusService::unresolved(std::optional<bool> maintenance) {
  IncidentQuery q;
  q.open_only = true;
  q.maintenance = maintenance;
  q.limit = 100;
  return store_->incidents(q);
}

web::Response StatusService::servePublic(const web::Request& r) {
  const std::string& path = r.path;
  bool get = r.method == "GET" || r.method == "HEAD";
  if (r.method == "POST" && path == "/report") return report(r);
  if (!get) {
    auto e = web::errorResponse(405, "the status page is read-only; use GET");
    e.headers.push_back({"Allow", path == "/report" ? "POST" : "GET, HEAD"});
    return e;
  }
  PageInfo info = pageInfo();
  const auto& comps = engine_->components();
  if (path == "/" || path == "/index.html") return page("");
  if (path == "/api/live.json") return liveJson();
  if (path.rfind("/badge/", 0) == 0) return badge(path);
  if (path == "/history.atom" || path == "/history.rss") {
    IncidentQuery q;
    q.limit = 50;
    auto list = store_->incidents(q);
    web::Response resp;
    bool atom = path == "/history.atom";
    resp.content_type =
        atom ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8";
    resp.body = atom ? atomFeed(info, list) : rssFeed(info, list);
    return withHeaders(std::move(resp), true);
  }
  if (path.rfind("/api/v2/", 0) != 0) return web::errorResponse(404, "no such page");
  std::string api = path.substr(7);
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : comps) components.push_back(componentJson(c, info));
  if (api == "/components.json") {
    return jsonAnswer({{"page", pageJson(info)}, {"components", components}});
  }
  auto open = unresolved(std::nullopt);
  Indicator ind = overallIndicator(comps, open);
  nlohmann::json status = {{"indicator", ind.indicator}, {"description", ind.description}};
  if (api == "/status.json") return jsonAnswer({{"page", pageJson(info)}, {"status", status}});
  auto open_incidents = unresolved(false);
  auto open_maintenance = unresolved(true);
  if (api == "/summary.json") {
    return jsonAnswer({{"page", pageJson(info)},
                       {"components", components},
                       {"incidents", incidentsJson(open_incidents, comps, info)},
                       {"scheduled_maintenances", incidentsJson(open_maintenance, comps, info)},
                       {"status", status}});
  }
  if (api == "/incidents/unresolved.json") {
    return jsonAnswer(
        {{"page", pageJson(info)}, {"incidents", incidentsJson(open_incidents, comps, info)}});
  }
  IncidentQuery q;
  q.limit = 50;
  if (api == "/incidents.json") {
    q.maintenance = false;
    return jsonAnswer({{"page", pageJson(info)},
                       {"incidents", incidentsJson(store_->incidents(q), comps, info)}});
  }
  if (api == "/scheduled-maintenances.json") {
    q.maintenance = true;
    return jsonAnswer(
        {{"page", pageJson(info)},
         {"scheduled_maintenances", incidentsJson(store_->incidents(q), comps, info)}});
  }
  auto filtered = [&](const char* wanted) {
    std::vector<Incident> out;
    for (const auto& m : open_maintenance) {
      if (m.status == wanted) out.push_back(m);
    }
    return jsonAnswer(
        {{"page", pageJson(info)}, {"scheduled_maintenances", incidentsJson(out, comps, info)}});
  };
  if (api == "/scheduled-maintenances/upcoming.json") return filtered("scheduled");
  if (api == "/scheduled-maintenances/active.json") return filtered("in_progress");
  return web::errorResponse(404, "no such API path");
}

web::Response StatusService::page(const std::string& notice, int status) {
  PageView v;
  v.page = pageInfo();
  v.now = engine_->now();
  v.notice = notice;
  auto open = unresolved(std::nullopt);
  v.indicator = overallIndicator(engine_->components(), open);
  for (auto& i : open) (i.maintenance ? v.maintenance : v.active).push_back(std::move(i));
  IncidentQuery q;
  q.maintenance = false;
  q.updated_since = v.now - 14 * kDayMs;
  q.limit = 20;
  for (auto& i : store_->incidents(q)) {
    if (!i.open()) v.past.push_back(std::move(i));
  }
  for (const auto& c : engine_->components()) {
    v.components.push_back({c, engine_->uptime(c.id, kUptimeDays)});
  }
  web::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = renderPage(v);
  return withHeaders(std::move(r), false);
}

web::Response StatusService::report(const web::Request& r) {
  std::string id = formValue(r.body, "component");
  if (engine_->component(id) == nullptr) {
    return page("Please choose one of the components listed to report a problem.", 400);
  }
  int64_t hour = engine_->now() / 3'600'000;
  auto& budget = report_budget_[r.peer];
  if (budget.first != hour) budget = {hour, 0};
  if (budget.second >= options_.reports_per_client_per_hour) {
    auto resp = page("You have sent many reports this hour; thank you, we have them.", 429);
    resp.headers.push_back({"Retry-After", "3600"});
    return resp;
  }
  ++budget.second;
  if (report_budget_.size() > kMaxReportClients) {
    report_budget_.clear();  // bounded: forgetting budgets only lets a few more reports in
  }
  auto added = engine_->report(id, r.peer);
  if (!added) return page("Your report could not be saved; please try again.", 503);
  return page("Thank you for your report about " + engine_->component(id)->name + ".");
}

web::Response StatusService::liveJson() {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : engine_->live()) {
    points.push_back({{"t", p.t},
                      {"requests", p.sample.requests},
                      {"succeeded", p.sample.succeeded},
                      {"mitigated", p.sample.mitigated},
                      {"p99_ms", p.sample.p99_ms}});
  }
  return jsonAnswer({{"points", points}});
}

web::Response StatusService::badge(const std::string& path) {
  std::string name = path.substr(7);
  if (name.size() < 5 || name.substr(name.size() - 4) != ".svg") {
    return web::errorResponse(404, "badges are at /badge/<component>.svg");
  }
  const Component* c = engine_->component(percentDecode(name.substr(0, name.size() - 4)));
  if (c == nullptr) return web::errorResponse(404, "no such component");
  web::Response r;
  r.content_type = "image/svg+xml";
  r.body = badgeSvg(*c);
  return withHeaders(std::move(r), true);
}

web::Response StatusService::serveAdmin(const web::Request& r) {
  std::string_view path = r.path;
  constexpr std::string_view kPrefix = "/api/v1/status";
  if (path.rfind(kPrefix, 0) == 0) path.remove_prefix(kPrefix.size());
  PageInfo info = pageInfo();
  const auto& comps = engine_->components();
  if (path == "/components" && r.method == "GET") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : comps) out.push_back(componentJson(c, info));
    return web::jsonResponse(200, {{"components", out}});
  }
  if (path == "/incidents" || path == "/maintenances") {
    bool maintenance = path == "/maintenances";
    if (r.method == "POST")
      return maintenance ? adminScheduleMaintenance(r) : adminCreateIncident(r);
    if (r.method != "GET") return web::errorResponse(405, "use GET or POST");
    IncidentQuery q;
    q.maintenance = maintenance;
    q.limit = 200;
    return web::jsonResponse(200, {{maintenance ? "scheduled_maintenances" : "incidents",
                                    incidentsJson(store_->incidents(q), comps, info)}});
  }
  constexpr std::string_view kIncident = "/incidents/";
  if (path.rfind(kIncident, 0) == 0) {
    std::string rest(path.substr(kIncident.size()));
    size_t slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    if (slash != std::string::npos) {
      if (rest.substr(slash) != "/updates") return web::errorResponse(404, "no such status call");
      if (r.method != "POST") return web::errorResponse(405, "use POST to add an update");
      return adminUpdateIncident(id, r);
    }
    if (r.method != "GET") return web::errorResponse(405, "use GET");
    auto i = store_->incident(id);
    if (!i) return web::errorResponse(404, "no incident " + id);
    return web::jsonResponse(200, incidentJson(*i, comps, info));
  }
  return web::errorResponse(404,
                            "no such status call; see /api/v1/status/incidents, "
                            "/api/v1/status/maintenances, /api/v1/status/components");
}

web::Response StatusService::adminCreateIncident(const web::Request& r) {
  nlohmann::json j;
  web::Response bad;
  if (!web::parseJsonObject(r, &j, &bad)) return bad;
  Fields f(j);
  std::string name, body, status = "investigating", impact = "minor";
  std::vector<std::string> components;
  if (!f.allowOnly({"name", "body", "status", "impact", "components"}) ||
      !f.text("name", &name, true, kMaxName) || !f.text("body", &body, true, kMaxBody) ||
      !f.text("status", &status, false, 32) || !f.text("impact", &impact, false, 32) ||
      !f.list("components", &components)) {
    return web::errorResponse(400, f.error());
  }
  auto created = engine_->createIncident(name, status, impact, body, components);
  if (!created) return web::errorResponse(400, created.error());
  return web::jsonResponse(201, incidentJson(*created, engine_->components(), pageInfo()));
}

web::Response StatusService::adminUpdateIncident(const std::string& id, const web::Request& r) {
  nlohmann::json j;
  web::Response bad;
  if (!web::parseJsonObject(r, &j, &bad)) return bad;
  Fields f(j);
  std::string status, body, name, impact;
  if (!f.allowOnly({"status", "body", "name", "impact"}) || !f.text("status", &status, true, 32) ||
      !f.text("body", &body, true, kMaxBody) || !f.text("name", &name, false, kMaxName) ||
      !f.text("impact", &impact, false, 32)) {
    return web::errorResponse(400, f.error());
  }
  if (!store_->incident(id)) return web::errorResponse(404, "no incident " + id);
  auto updated = engine_->updateIncident(id, status, body, name, impact);
  if (!updated) return web::errorResponse(400, updated.error());
  return web::jsonResponse(200, incidentJson(*updated, engine_->components(), pageInfo()));
}

web::Response StatusService::adminScheduleMaintenance(const web::Request& r) {
  nlohmann::json j;
  web::Response bad;
  if (!web::parseJsonObject(r, &j, &bad)) return bad;
  Fields f(j);
  std::string name, body;
  int64_t from = 0, until = 0;
  std::vector<std::string> components;
  if (!f.allowOnly({"name", "body", "scheduled_for", "scheduled_until", "components"}) ||
      !f.text("name", &name, true, kMaxName) || !f.text("body", &body, true, kMaxBody) ||
      !f.time("scheduled_for", &from) || !f.time("scheduled_until", &until) ||
      !f.list("components", &components)) {
    return web::errorResponse(400, f.error());
  }
  auto created = engine_->scheduleMaintenance(name, body, from, until, components);
  if (!created) return web::errorResponse(400, created.error());
  return web::jsonResponse(201, incidentJson(*created, engine_->components(), pageInfo()));
}

}  // namespace floodgate::status
