// Loads a YAML config file into the typed Config: reads each section into its structs, reporting
// every problem with its line and column, then runs the cross-item checks in validate.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>

#include "config/addresses.h"
#include "config/admin_section.h"
#include "config/config.h"
#include "config/logging_options.h"
#include "config/messages.h"
#include "config/validate.h"
#include "config/yaml_document.h"
#include "config/governor_section.h"
#include "config/shield_section.h"
#include "config/status_section.h"
#include "config/upstream_section.h"
#include "config/yaml_fields.h"

namespace floodgate::config {
namespace {

// A config is a page or two; anything this large is the wrong file, and reading it unbounded
// would be an easy way to exhaust memory from a mistyped path.
constexpr off_t kMaxConfigBytes = 16 << 20;

const std::vector<std::string> kTopKeys = {"listeners", "routes", "clusters",      "limits",
                                           "logging",   "shield", "drain_timeout", "admin",
                                           "status",    "governor"};
const std::vector<std::string> kListenerKeys = {"name", "address", "workers"};
const std::vector<std::string> kRouteKeys = {"name", "match", "cluster", "direct_response"};
const std::vector<std::string> kMatchKeys = {"host", "path_prefix"};
const std::vector<std::string> kDirectKeys = {"status", "body", "content_type"};
const std::vector<std::string> kClusterKeys = {"name",
                                               "endpoints",
                                               "connect_timeout",
                                               "request_timeout",
                                               "idle_timeout",
                                               "max_idle_connections",
                                               "max_connections"};
const std::vector<std::string> kLimitsKeys = {"max_header_bytes",    "max_headers",
                                              "max_body_bytes",      "header_read_timeout",
                                              "client_idle_timeout", "client_body_timeout"};
const std::vector<std::string> kLoggingKeys = {"level", "access_log"};

constexpr size_t kMaxLevels = 16;  // the pickers keep per-level state in fixed arrays

constexpr std::string_view kQuoteIpv6 =
    "; an address starting with \"[\" must be quoted: address: \"[::1]:8080\"";

bool isClusterNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool hasControlChar(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Why a route's host pattern can never match a Host header, or "" when it is fine.
std::string hostPatternProblem(std::string_view host) {
  std::string_view name = host;
  if (name.rfind("*.", 0) == 0) name.remove_prefix(2);
  if (name.empty()) return "needs a name after \"*.\" (e.g. *.example.com)";
  if (name.front() == '[') {
    if (name.back() != ']') return "write an IPv6 host in brackets without a port, e.g. [::1]";
    for (char c : name.substr(1, name.size() - 2)) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return "is not a valid IPv6 address in brackets";
    }
    return "";
  }
  if (name.find(':') != std::string_view::npos) {
    return "must not include a port: routes match the Host header without its port";
  }
  if (name.find('*') != std::string_view::npos) {
    return "may use \"*\" only as a whole first label, as in *.example.com";
  }
  if (name.find("://") != std::string_view::npos || name.find('/') != std::string_view::npos) {
    return "must be a host name only (e.g. api.example.com), without scheme or path";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return "may contain only letters, digits, \"-\", \"_\" and \".\"";
  }
  return "";
}

class Loader {
 public:
  explicit Loader(ProblemList& problems) : problems_(problems) {}

  void read(const YAML::Node& root);

  Config config;
  SourceMarks marks;
  bool readable = false;  // the document was a map: cross-item checks make sense

 private:
  void readListeners(Fields& top);
  void readListener(const YAML::Node& item, size_t index);
  void readRoutes(Fields& top);
  void readRoute(const YAML::Node& item, size_t index);
  void readMatch(Fields& route_fields, Route& route);
  void readDirectResponse(Fields& route_fields, Route& route);
  void readClusters(Fields& top);
  void readCluster(const YAML::Node& item, size_t index);
  void readEndpoints(Fields& fields, Cluster& cluster, int level = 0);
  void readLevels(Fields& fields, Cluster& cluster);
  void readLimits(Fields& top);
  void readLogging(Fields& top);

  // The items of a list section; false (reported) when it is not a non-empty list.
  bool listItems(Fields& parent, std::string_view key, std::string_view example,
                 std::string_view empty_advice);

  ProblemList& problems_;
};

void Loader::read(const YAML::Node& root) {
  marks.root = whereOf(root);
  if (!root.IsDefined() || root.IsNull()) {
    problems_.add(Where{1, 1},
                  "the config is empty; it needs at least listeners: and clusters: (see "
                  "examples/minimal.yaml)");
    return;
  }
  if (!root.IsMap()) {
    problems_.add(marks.root,
                  "the top level must be a map of sections (listeners:, routes:, "
                  "clusters:, limits:, logging:, drain_timeout:), not " +
                      kindOf(root));
    return;
  }
  readable = true;
  Fields top(root, "", Fields::Style::kTop, problems_);
  top.allowOnly(kTopKeys);
  readListeners(top);
  readClusters(top);  // before routes only for reading order; references resolve in validate
  readRoutes(top);
  readLimits(top);
  readLogging(top);
  readShieldSection(top, &config, problems_);
  readAdminSection(top, &config, problems_);
  readStatusSection(top, &config, problems_);
  readGovernorSection(top, &config, problems_);
  top.duration("drain_timeout", &config.drain_timeout);
}

bool Loader::listItems(Fields& parent, std::string_view key, std::string_view example,
                       std::string_view empty_advice) {
  YAML::Node node = parent.get(key);
  if (node.IsNull()) {
    problems_.add(parent.keyWhere(key),
                  parent.subject(key) + " has no items; " + std::string(empty_advice));
    return false;
  }
  if (!expectList(node, parent.subject(key), example, problems_)) return false;
  if (node.size() == 0) {
    problems_.add(parent.where(key),
                  parent.subject(key) + " is empty; " + std::string(empty_advice));
    return false;
  }
  return true;
}

void Loader::readListeners(Fields& top) {
  if (!top.require("listeners", "listeners: [{ address: 0.0.0.0:8080 }]")) return;
  if (!listItems(top, "listeners", "listeners: [{ address: 0.0.0.0:8080 }]",
                 "add at least one, e.g. - address: 0.0.0.0:8080")) {
    return;
  }
  YAML::Node list = top.get("listeners");
  for (size_t i = 0; i < list.size(); ++i) readListener(list[i], i);
}

void Loader::readListener(const YAML::Node& item, size_t index) {
  // Every item lands in config, even a broken one, so indexes line up with marks.
  Listener& l = config.listeners.emplace_back();
  l.name = "listener-" + std::to_string(index);
  marks.listener.push_back(whereOf(item));
  marks.listener_address.push_back(whereOf(item));
  std::string label = "listeners[" + std::to_string(index) + "]";
  if (!expectMap(item, label, "- address: 0.0.0.0:8080", problems_)) return;
  Fields f(item, "listener " + quoted(l.name), Fields::Style::kItem, problems_);
  if (f.text("name", &l.name)) {
    if (l.name.empty() || hasControlChar(l.name)) {
      f.add(f.where("name"), label + ": name must be a non-empty, single-line name");
    }
    f.rename("listener " + quoted(l.name));
  }
  f.allowOnly(kListenerKeys);
  if (f.require("address", "address: 0.0.0.0:8080") &&
      f.text("address", &l.address_text, kQuoteIpv6)) {
    marks.listener_address.back() = f.where("address");
    auto address = parseListenAddress(l.address_text);
    if (address) {
      l.address = *address;
    } else {
      f.add(f.where("address"),
            describeAddressProblem(f.name() + ": address", l.address_text, address.error()));
    }
  }
  f.integer("workers", &l.workers, 0, kMaxWorkers);
}

void Loader::readRoutes(Fields& top) {
  if (!top.get("routes").IsDefined()) return;
  marks.routes_given = true;
  if (!listItems(top, "routes", "routes: [{ match: { path_prefix: / }, cluster: web }]",
                 "add routes, or remove routes: to send every request to the only cluster")) {
    return;
  }
  YAML::Node list = top.get("routes");
  for (size_t i = 0; i < list.size(); ++i) readRoute(list[i], i);
}

void Loader::readRoute(const YAML::Node& item, size_t index) {
  Route& r = config.routes.emplace_back();
  r.name = "route-" + std::to_string(index);
  marks.route.push_back(whereOf(item));
  marks.route_cluster.push_back(whereOf(item));
  std::string label = "routes[" + std::to_string(index) + "]";
  if (!expectMap(item, label, "- { match: { path_prefix: /api }, cluster: api }", problems_)) {
    return;
  }
  Fields f(item, "route " + quoted(r.name), Fields::Style::kItem, problems_);
  if (f.text("name", &r.name)) {
    if (r.name.empty() || hasControlChar(r.name)) {
      f.add(f.where("name"), label + ": name must be a non-empty, single-line name");
    }
    f.rename("route " + quoted(r.name));
  }
  f.allowOnly(kRouteKeys);
  if (f.has("match")) readMatch(f, r);

  bool has_cluster = f.has("cluster");
  bool has_direct = f.has("direct_response");
  if (has_cluster && has_direct) {
    f.add(f.keyWhere("direct_response"),
          f.name() +
              " has both cluster and direct_response; keep one (cluster sends the "
              "request upstream, direct_response answers it from floodgate)");
  } else if (!has_cluster && !has_direct) {
    f.add(f.where(), f.name() +
                         " needs a cluster (e.g. cluster: api) or a direct_response "
                         "(e.g. direct_response: { status: 200, body: \"ok\" })");
  }
  if (has_cluster && f.text("cluster", &r.cluster)) {
    marks.route_cluster.back() = f.where("cluster");
    if (r.cluster.empty()) {
      f.add(f.where("cluster"), f.subject("cluster") + " is empty; name one of the clusters");
    }
  }
  if (has_direct) {
    readDirectResponse(f, r);
    if (has_cluster) r.cluster.clear();  // the problem is reported; don't also resolve it
  }
}

void Loader::readMatch(Fields& route_fields, Route& route) {
  YAML::Node node = route_fields.get("match");
  if (!expectMap(node, route_fields.subject("match"),
                 "match: { host: api.example.com, path_prefix: /api }", problems_)) {
    return;
  }
  Fields m(node, route_fields.name() + ": match", Fields::Style::kSection, problems_);
  m.allowOnly(kMatchKeys);
  if (m.text("host", &route.host)) {
    if (route.host == "*") route.host.clear();  // "any host", as written in many proxies
    if (!route.host.empty()) {
      std::string why = hostPatternProblem(route.host);
      if (!why.empty()) {
        m.add(m.where("host"), m.subject("host") + " " + quoted(route.host) + " " + why);
      }
    }
  }
  if (m.text("path_prefix", &route.path_prefix)) {
    if (route.path_prefix.empty() || route.path_prefix.front() != '/') {
      m.add(m.where("path_prefix"), m.subject("path_prefix") + " " + quoted(route.path_prefix) +
                                        " must start with \"/\" (e.g. /" +
                                        (route.path_prefix.empty() ? "api" : route.path_prefix) +
                                        ")");
    } else if (route.path_prefix.find_first_of(" \t?#") != std::string::npos ||
               hasControlChar(route.path_prefix)) {
      m.add(m.where("path_prefix"), m.subject("path_prefix") + " " + quoted(route.path_prefix) +
                                        " must be a plain path: no spaces, \"?\" or \"#\"");
    }
  }
}

void Loader::readDirectResponse(Fields& route_fields, Route& route) {
  YAML::Node node = route_fields.get("direct_response");
  DirectResponse d;
  if (!expectMap(node, route_fields.subject("direct_response"),
                 "direct_response: { status: 200, body: \"ok\" }", problems_)) {
    route.direct = d;  // still a direct route: don't also report "needs a cluster"
    return;
  }
  Fields f(node, route_fields.name() + ": direct_response", Fields::Style::kSection, problems_);
  f.allowOnly(kDirectKeys);
  // 1xx are interim responses, never a final answer; 6xx and up do not exist.
  f.integer("status", &d.status, 200, 599);
  f.text("body", &d.body);
  if (f.text("content_type", &d.content_type) &&
      (d.content_type.empty() || hasControlChar(d.content_type))) {
    f.add(f.where("content_type"), f.subject("content_type") +
                                       " must be a media type such as text/plain or "
                                       "application/json");
  }
  if ((d.status == 204 || d.status == 304) && !d.body.empty()) {
    f.add(f.where("body"), f.subject("body") + ": a " + std::to_string(d.status) +
                               " response has no body; remove body or use status 200");
  }
  route.direct = std::move(d);
}

void Loader::readClusters(Fields& top) {
  if (!top.get("clusters").IsDefined()) return;
  if (!listItems(top, "clusters", "clusters: [{ name: web, endpoints: [127.0.0.1:9000] }]",
                 "add a cluster, e.g. - { name: web, endpoints: [127.0.0.1:9000] }")) {
    return;
  }
  YAML::Node list = top.get("clusters");
  for (size_t i = 0; i < list.size(); ++i) readCluster(list[i], i);
}

void Loader::readCluster(const YAML::Node& item, size_t index) {
  Cluster& c = config.clusters.emplace_back();
  marks.cluster_name.push_back(whereOf(item));
  marks.endpoint.emplace_back();
  std::string label = "clusters[" + std::to_string(index) + "]";
  if (!expectMap(item, label, "- { name: web, endpoints: [127.0.0.1:9000] }", problems_)) return;
  Fields f(item, label, Fields::Style::kItem, problems_);
  if (f.require("name", "name: web") && f.text("name", &c.name)) {
    marks.cluster_name.back() = f.where("name");
    bool valid = !c.name.empty();
    for (char ch : c.name) valid = valid && isClusterNameChar(ch);
    if (!c.name.empty()) f.rename("cluster " + quoted(c.name));
    if (!valid) {
      f.add(f.where("name"), label + ": name " + quoted(c.name) +
                                 " may contain only letters, digits, \"_\", \".\" and \"-\"");
    }
  }
  std::vector<std::string> keys = kClusterKeys;
  keys.insert(keys.end(), kUpstreamClusterKeys.begin(), kUpstreamClusterKeys.end());
  f.allowOnly(keys);
  if (f.has("levels")) {
    readLevels(f, c);
  } else {
    readEndpoints(f, c);
  }
  readUpstreamSettings(f, &c, problems_);
  f.duration("connect_timeout", &c.connect_timeout);
  f.duration("request_timeout", &c.request_timeout);
  f.duration("idle_timeout", &c.idle_timeout);
  f.integer("max_idle_connections", &c.max_idle_connections, 0, std::numeric_limits<int>::max());
  f.integer("max_connections", &c.max_connections, 1, std::numeric_limits<int>::max());
}

void Loader::readLevels(Fields& f, Cluster& c) {
  constexpr std::string_view kExample =
      "levels: [{ endpoints: [10.0.0.1:80] }, { endpoints: [10.0.1.1:80], capacity: 200/s }]";
  if (f.has("endpoints")) {
    f.add(f.where("endpoints"), f.name() +
                                    " has both endpoints: and levels:; list the endpoints "
                                    "inside each level (the first level is the primary path)");
  }
  if (!listItems(f, "levels", kExample, "list at least one level with its endpoints")) return;
  YAML::Node list = f.get("levels");
  if (list.size() > kMaxLevels) {
    f.add(f.where("levels"), f.subject("levels") + " has " + std::to_string(list.size()) +
                                 " levels; at most " + std::to_string(kMaxLevels) +
                                 " (the primary path and its alternates)");
    return;
  }
  c.levels.clear();
  for (size_t i = 0; i < list.size(); ++i) {
    Level& level = c.levels.emplace_back();
    std::string label = f.subject("levels") + "[" + std::to_string(i) + "]";
    if (!expectMap(list[i], label, "- { endpoints: [10.0.1.1:80], capacity: 200/s }",
                   problems_)) {
      continue;
    }
    Fields lf(list[i], label, Fields::Style::kItem, problems_);
    lf.allowOnly({"endpoints", "capacity", "concurrency"});
    readEndpoints(lf, c, static_cast<int>(i));
    readLevelCapacity(lf, &level);
  }
}

void Loader::readEndpoints(Fields& f, Cluster& c, int level) {
  constexpr std::string_view kExample = "endpoints: [127.0.0.1:9000, 127.0.0.1:9001]";
  if (!f.get("endpoints").IsDefined()) {
    f.add(f.where(), f.name() + " has no endpoints; list where to send requests (e.g. " +
                         std::string(kExample) + ")");
    return;
  }
  if (!listItems(f, "endpoints", kExample,
                 "list at least one upstream address (e.g. " + std::string(kExample) + ")")) {
    return;
  }
  YAML::Node list = f.get("endpoints");
  for (size_t i = 0; i < list.size(); ++i) {
    YAML::Node item = list[i];
    Endpoint e;
    e.level = level;
    marks.endpoint.back().push_back(whereOf(item));
    if (!item.IsScalar()) {
      f.add(whereOf(item), f.name() + ": endpoints[" + std::to_string(i) +
                               "] must be an address such as 127.0.0.1:9000, not " + kindOf(item) +
                               (item.IsSequence() ? std::string(kQuoteIpv6) : ""));
      c.endpoints.push_back(std::move(e));
      continue;
    }
    e.address_text = item.Scalar();
    auto address = resolveEndpoint(e.address_text);
    if (address) {
      e.address = *address;
    } else {
      f.add(whereOf(item),
            describeAddressProblem(f.name() + ": endpoint", e.address_text, address.error()));
    }
    c.endpoints.push_back(std::move(e));
  }
}

void Loader::readLimits(Fields& top) {
  if (!top.get("limits").IsDefined() || top.get("limits").IsNull()) return;
  if (!expectMap(top.get("limits"), "limits", "limits: { max_header_bytes: 16KiB }", problems_)) {
    return;
  }
  Fields f(top.get("limits"), "limits", Fields::Style::kSection, problems_);
  f.allowOnly(kLimitsKeys);
  Limits& l = config.limits;
  uint64_t header_bytes = l.max_header_bytes;
  if (f.size("max_header_bytes", &header_bytes, 1024, 1024 * 1024)) {
    l.max_header_bytes = header_bytes;
  }
  int headers = static_cast<int>(l.max_headers);
  if (f.integer("max_headers", &headers, 1, 1000)) l.max_headers = headers;
  f.size("max_body_bytes", &l.max_body_bytes, 0, std::numeric_limits<uint64_t>::max());
  f.duration("header_read_timeout", &l.header_read_timeout);
  f.duration("client_idle_timeout", &l.client_idle_timeout);
  f.duration("client_body_timeout", &l.client_body_timeout);
}

void Loader::readLogging(Fields& top) {
  if (!top.get("logging").IsDefined() || top.get("logging").IsNull()) return;
  if (!expectMap(top.get("logging"), "logging", "logging: { level: info, access_log: stdout }",
                 problems_)) {
    return;
  }
  Fields f(top.get("logging"), "logging", Fields::Style::kSection, problems_);
  f.allowOnly(kLoggingKeys);
  std::string level;
  if (f.text("level", &level)) {
    std::string why = logLevelProblem(level);
    if (why.empty()) {
      config.logging.level = level;
    } else {
      f.add(f.where("level"), f.subject("level") + " " + quoted(level) + " " + why);
    }
  }
  std::string access_log;
  if (f.text("access_log", &access_log)) {
    if (auto target = accessLogTarget(access_log)) {
      config.logging.access_log = *target;
    } else {
      f.add(f.where("access_log"), f.subject("access_log") + " " + target.error());
    }
  }
}

}  // namespace

LoadResult loadConfigString(const std::string& yaml, const std::string& name) {
  ProblemList problems(name);
  Loader loader(problems);
  if (std::optional<YAML::Node> root = parseYamlDocument(yaml, problems)) {
    try {
      loader.read(*root);
    } catch (const std::exception& e) {
      // Should not happen (readers check node kinds before reading), but a config must never
      // crash the process that is checking it.
      problems.add(Where{}, std::string("cannot read the config: ") + e.what());
    }
  }
  // Cross-item checks run even after field problems (items with bad fields stay in the config
  // for this), so one pass shows everything; not after a syntax error, where nothing was read.
  if (loader.readable) validateConfig(loader.config, loader.marks, problems);

  LoadResult result;
  if (problems.empty()) {
    loader.config.source = name;
    result.config = std::make_shared<const Config>(std::move(loader.config));
  }
  result.problems = problems.take();
  return result;
}

LoadResult loadConfigFile(const std::string& path) {
  auto fail = [&](const std::string& why) {
    LoadResult r;
    r.problems.push_back(Problem{path, 0, 0, "cannot read " + path + ": " + why});
    return r;
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail(std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return fail(std::strerror(EISDIR));
  }
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (static_cast<off_t>(text.size()) > kMaxConfigBytes) {
      ::close(fd);
      return fail("larger than 16 MiB; is this the config file?");
    }
  }
  ::close(fd);
  return loadConfigString(text, path);
}

}  // namespace floodgate::config
