#include "config/status_section.h"

#include <set>

#include "config/addresses.h"
#include "config/messages.h"

namespace floodgate::config {
namespace {

const std::vector<std::string> kStatusKeys = {"listen",       "title",        "url",
                                              "database",     "components",   "worse_after",
                                              "better_after", "resolve_after"};
const std::vector<std::string> kComponentKeys = {"name", "description", "clusters", "routes",
                                                 "endpoints"};

// Reads a list of names (or endpoint texts) at `key`.
std::vector<std::pair<std::string, Where>> names(Fields& f, std::string_view key,
                                                 std::string_view example, ProblemList& problems) {
  std::vector<std::pair<std::string, Where>> out;
  if (!f.has(key)) return out;
  YAML::Node list = f.get(key);
  if (!expectList(list, f.subject(key), example, problems)) return out;
  for (const auto& item : list) {
    if (!item.IsScalar()) {
      problems.add(whereOf(item),
                   f.subject(key) + ": each item must be a name, not " + kindOf(item));
      continue;
    }
    out.push_back({item.Scalar(), whereOf(item)});
  }
  return out;
}

void readComponent(const YAML::Node& item, size_t index, Config* config, ProblemList& problems,
                   std::set<std::string>& ids) {
  std::string what = "status.components[" + std::to_string(index) + "]";
  if (!expectMap(item, what, "- { name: API, clusters: [api] }", problems)) return;
  Fields f(item, what, Fields::Style::kItem, problems);
  f.allowOnly(kComponentKeys);
  StatusComponent c;
  if (!f.require("name", "name: API") || !f.text("name", &c.name)) return;
  f.rename("status component " + quoted(c.name));
  c.id = componentId(c.name);
  if (c.id.empty()) {
    f.add(f.where("name"), f.subject("name") + " needs at least one letter or digit");
    return;
  }
  if (!ids.insert(c.id).second) {
    f.add(f.where("name"), "status: two components are named " + quoted(c.name) +
                               " (or names that differ only in case and punctuation)");
    return;
  }
  f.text("description", &c.description);
  for (const auto& [name, at] : names(f, "clusters", "clusters: [api]", problems)) {
    int found = config->clusterIndex(name);
    if (found < 0) {
      problems.add(at, f.subject("clusters") + ": no cluster named " + quoted(name));
      continue;
    }
    c.clusters.push_back(name);
    c.cluster_indexes.push_back(found);
  }
  for (const auto& [name, at] : names(f, "routes", "routes: [api]", problems)) {
    int found = -1;
    for (size_t i = 0; i < config->routes.size(); ++i) {
      if (config->routes[i].name == name) found = static_cast<int>(i);
    }
    if (found < 0) {
      problems.add(at, f.subject("routes") + ": no route named " + quoted(name) +
                           " (routes are named with name: in routes:)");
      continue;
    }
    c.routes.push_back(name);
    c.route_indexes.push_back(found);
  }
  for (const auto& [text, at] : names(f, "endpoints", "endpoints: [10.0.0.1:8080]", problems)) {
    auto a = resolveEndpoint(text);
    if (!a) {
      problems.add(at, f.subject("endpoints") + " " + quoted(text) + ": " + a.error());
      continue;
    }
    bool in_cluster = false;
    for (const auto& cluster : config->clusters) {
      for (const auto& e : cluster.endpoints) in_cluster = in_cluster || e.address == *a;
    }
    if (!in_cluster) {
      problems.add(at, f.subject("endpoints") + " " + quoted(text) +
                           " is in no cluster; the status page judges an endpoint by its "
                           "cluster's health checks: list it in a cluster's endpoints");
      continue;
    }
    c.endpoints.push_back({text, *a});
  }
  config->status.components.push_back(std::move(c));
}

}  // namespace

std::string componentId(std::string_view name) {
  std::string id;
  for (char ch : name) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (std::isalnum(u)) {
      id += static_cast<char>(std::tolower(u));
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

void quickStartStatusComponents(Config* config) {
  if (config->clusters.empty()) return;
  for (const auto& e : config->clusters[0].endpoints) {
    StatusComponent c;
    c.name = "Upstream " + e.address_text;
    c.id = componentId(c.name);
    c.description = "The origin at " + e.address_text;
    c.endpoints.push_back(e);
    config->status.components.push_back(std::move(c));
  }  addImpliedHealthChecks(config);
}

void addImpliedHealthChecks(Config* config) {
  for (auto& cluster : config->clusters) {
    if (cluster.health_check.type != HealthCheck::Type::kNone) continue;
    bool watched = false;
    for (const auto& c : config->status.components) {
      for (const auto& name : c.clusters) watched = watched || name == cluster.name;
      for (const auto& route : c.routes) {
        for (const auto& r : config->routes) {
          watched = watched || (r.name == route && r.cluster == cluster.name);
        }
      }
      for (const auto& own : c.endpoints) {
        for (const auto& e : cluster.endpoints) watched = watched || e.address == own.address;
      }
    }
    if (!watched) continue;
    HealthCheck& h = cluster.health_check;
    h.type = HealthCheck::Type::kTcp;
    h.interval = kImpliedCheckInterval;
    h.timeout = kImpliedCheckInterval * 4 / 5;
    h.jitter = kImpliedCheckInterval / 10;
    h.unhealthy_threshold = 2;
    h.healthy_threshold = 2;
  }
}

void readStatusSection(Fields& top, Config* config, ProblemList& problems) {
  YAML::Node node = top.get("status");
  if (!node.IsDefined() || node.IsNull()) return;
  if (!expectMap(node, "status", "status: { listen: 0.0.0.0:8081, title: Acme }", problems)) {
    return;
  }
  Fields f(node, "status", Fields::Style::kSection, problems);
  f.allowOnly(kStatusKeys);
  StatusPage& s = config->status;
  s.enabled = true;
  if (f.require("listen", "listen: 0.0.0.0:8081") && f.text("listen", &s.listen_text)) {
    if (auto a = parseListenAddress(s.listen_text)) {
      s.listen = *a;
    } else {
      f.add(f.where("listen"),
            f.subject("listen") + " " + quoted(s.listen_text) + ": " + a.error());
    }
  }
  f.text("title", &s.title);
  f.text("url", &s.url);
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (f.text("database", &s.database) && s.database.empty()) {
    f.add(f.where("database"), f.subject("database") + " must be a file path");
  }
  f.duration("worse_after", &s.worse_after);
  f.duration("better_after", &s.better_after);
  f.duration("resolve_after", &s.resolve_after);
  std::set<std::string> ids;
  if (f.has("components")) {
    YAML::Node list = f.get("components");
    if (expectList(list, "status.components", "components: [{ name: API, clusters: [api] }]",
                   problems)) {
      for (size_t i = 0; i < list.size(); ++i) readComponent(list[i], i, config, problems, ids);
    }
  } else {
    for (size_t i = 0; i < config->clusters.size(); ++i) {
      StatusComponent c;
      c.name = config->clusters[i].name;
      c.id = componentId(c.name);
      if (c.id.empty() || !ids.insert(c.id).second) continue;
      c.clusters.push_back(c.name);
      c.cluster_indexes.push_back(static_cast<int>(i));
      s.components.push_back(std::move(c));
    }
  }
  addImpliedHealthChecks(config);
}

}  // namespace floodgate::config
