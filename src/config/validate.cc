#include "config/validate.h"

#include <algorithm>
#include <string>

#include "config/messages.h"

namespace floodgate::config {
namespace {

Where at(const std::vector<Where>& v, size_t i) { return i < v.size() ? v[i] : Where{}; }

// " (line 12)", naming where the other item of a pair is.
std::string onLine(Where w) { return w.line > 0 ? " (line " + std::to_string(w.line) + ")" : ""; }

bool isWildcard(const SocketAddress& a) { return a.ip() == "0.0.0.0" || a.ip() == "::"; }

bool isLoopback(const SocketAddress& a) {
  std::string ip = a.ip();
  return ip.rfind("127.", 0) == 0 || ip == "::1";
}

void checkListeners(const Config& config, const SourceMarks& marks, ProblemList& problems) {
  const auto& ls = config.listeners;
  for (size_t i = 0; i < ls.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ls[i].name == ls[j].name) {
        problems.add(at(marks.listener, i), "listener " + quoted(ls[i].name) +
                                                ": the name is already used by another "
                                                "listener" +
                                                onLine(at(marks.listener, j)) +
                                                "; give each listener its own name");
        break;
      }
    }
    const SocketAddress& a = ls[i].address;
    if (!a.valid() || a.port() == 0) continue;  // port 0: the kernel picks a free port each
    for (size_t j = 0; j < i; ++j) {
      const SocketAddress& b = ls[j].address;
      if (!b.valid() || b.port() != a.port() || b.family() != a.family()) continue;
      std::string other = "listener " + quoted(ls[j].name) + onLine(at(marks.listener, j));
      if (a == b) {
        problems.add(at(marks.listener_address, i),
                     "listener " + quoted(ls[i].name) + ": address " + a.toString() +
                         " is already used by " + other + "; use another port");
        break;
      }
      if (isWildcard(a) || isWildcard(b)) {
        problems.add(at(marks.listener_address, i),
                     "listener " + quoted(ls[i].name) + ": address " + a.toString() + " overlaps " +
                         other + " on " + b.toString() + ", as " + (isWildcard(a) ? a : b).ip() +
                         " covers every interface; use another port");
        break;
      }
    }
  }
}

void checkClusters(const Config& config, const SourceMarks& marks, ProblemList& problems) {
  const auto& cs = config.clusters;
  for (size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].name.empty()) continue;  // already reported as missing
    for (size_t j = 0; j < i; ++j) {
      if (cs[i].name == cs[j].name) {
        problems.add(
            at(marks.cluster_name, i),
            "cluster " + quoted(cs[i].name) + " is defined twice" +
                (at(marks.cluster_name, j).line > 0
                     ? " (first on line " + std::to_string(at(marks.cluster_name, j).line) + ")"
                     : std::string()) +
                "; rename one, or merge their endpoints into one cluster");
        break;
      }
    }
    const auto& eps = cs[i].endpoints;
    std::vector<Where> none;
    const auto& ep_marks = i < marks.endpoint.size() ? marks.endpoint[i] : none;
    for (size_t e = 0; e < eps.size(); ++e) {
      const SocketAddress& a = eps[e].address;
      if (!a.valid()) continue;
      for (size_t f = 0; f < e; ++f) {
        if (eps[f].address == a) {
          problems.add(at(ep_marks, e), "cluster " + quoted(cs[i].name) + ": endpoint " +
                                            quoted(eps[e].address_text) + " is listed twice" +
                                            (eps[f].address_text != eps[e].address_text
                                                 ? " (as " + quoted(eps[f].address_text) + ")"
                                                 : std::string()) +
                                            "; list each endpoint once");
          break;
        }
      }
      // A gateway proxying to itself multiplies every request until its connections run out.
      for (const auto& l : config.listeners) {
        const SocketAddress& b = l.address;
        if (!b.valid() || b.port() != a.port() || b.family() != a.family()) continue;
        if (a == b || (isWildcard(b) && (isLoopback(a) || isWildcard(a)))) {
          problems.add(at(ep_marks, e), "cluster " + quoted(cs[i].name) + ": endpoint " +
                                            quoted(eps[e].address_text) +
                                            " is floodgate's own listener " + quoted(l.name) +
                                            "; requests would loop back into floodgate");
          break;
        }
      }
    }
  }
}

std::vector<std::string> clusterNames(const Config& config) {
  std::vector<std::string> names;
  for (const auto& c : config.clusters) {
    if (!c.name.empty() && std::find(names.begin(), names.end(), c.name) == names.end()) {
      names.push_back(c.name);
    }
  }
  return names;
}

// True when every request route `later` could match is already taken by `earlier`.
bool shadows(const Route& earlier, const Route& later) {
  if (later.path_prefix.rfind(earlier.path_prefix, 0) != 0) return false;
  if (earlier.host.empty()) return true;
  if (later.host.empty()) return false;
  if (equalsIgnoreCase(earlier.host, later.host)) return true;  // same host, any case
  if (earlier.host.rfind("*.", 0) == 0) {
    std::string_view suffix = std::string_view(earlier.host).substr(1);  // ".example.com"
    std::string_view h = later.host;
    if (h.rfind("*.", 0) == 0) h.remove_prefix(1);  // "*.a.example.com" covers ".a.example.com"
    return h.size() > suffix.size() && equalsIgnoreCase(h.substr(h.size() - suffix.size()), suffix);
  }
  return false;
}

void checkRoutes(Config& config, const SourceMarks& marks, ProblemList& problems) {
  std::vector<std::string> names = clusterNames(config);
  for (size_t i = 0; i < config.routes.size(); ++i) {
    Route& r = config.routes[i];
    for (size_t j = 0; j < i; ++j) {
      if (config.routes[j].name == r.name) {
        problems.add(at(marks.route, i),
                     "route " + quoted(r.name) + ": the name is already used by another route" +
                         onLine(at(marks.route, j)) + "; give each route its own name");
        break;
      }
    }
    for (size_t j = 0; j < i; ++j) {
      const Route& earlier = config.routes[j];
      bool serves = earlier.direct || !earlier.cluster.empty();  // else reported already
      if (serves && shadows(earlier, r)) {
        problems.add(at(marks.route, i),
                     "route " + quoted(r.name) + " can never match: route " +
                         quoted(config.routes[j].name) + onLine(at(marks.route, j)) +
                         " comes first and matches every request it would; routes are tried "
                         "in order, so put the more specific one first");
        break;
      }
    }
    if (r.direct || r.cluster.empty()) continue;  // "neither"/"both" reported while reading
    r.cluster_index = config.clusterIndex(r.cluster);
    if (r.cluster_index >= 0) continue;
    std::string known = names.empty() ? "no clusters are defined; add one under clusters:"
                                      : "defined clusters: " + joinNames(names);
    problems.add(at(marks.route_cluster, i), "route " + quoted(r.name) + ": cluster " +
                                                 quoted(r.cluster) + " is not defined" +
                                                 didYouMean(r.cluster, names) + " (" + known + ")");
  }
}

// Without routes, a single cluster takes everything: the common case needs no routes section.
void addDefaultRoute(Config& config, const SourceMarks& marks, ProblemList& problems) {
  if (marks.routes_given) return;
  if (config.clusters.size() == 1) {
    Route r;
    r.name = "default";
    r.path_prefix = "/";
    r.cluster = config.clusters[0].name;
    config.routes.push_back(std::move(r));
    return;
  }
  if (config.clusters.empty()) {
    problems.add(marks.root,
                 "nothing to serve: add a clusters: section with your upstream endpoints, or "
                 "routes: with direct_response entries (see examples/minimal.yaml)");
    return;
  }
  problems.add(marks.root, "routes: is missing; with " + std::to_string(config.clusters.size()) +
                               " clusters (" + joinNames(clusterNames(config)) +
                               ") floodgate cannot guess which one a request goes to; add "
                               "routes: that name them (see examples/routes.yaml)");
}

}  // namespace

void validateConfig(Config& config, const SourceMarks& marks, ProblemList& problems) {
  checkListeners(config, marks, problems);
  checkClusters(config, marks, problems);
  addDefaultRoute(config, marks, problems);
  checkRoutes(config, marks, problems);
}

}  // namespace floodgate::config
