#include "storm/group_parser.h"

#include <algorithm>
#include <cmath>

#include "storm/duration_text.h"
#include "storm/group_defaults.h"

namespace floodgate::storm {
namespace {

constexpr uint64_t kMaxCount = 1'000'000;
constexpr uint64_t kMaxConnections = 200'000;
constexpr double kMaxRate = 10'000'000;

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool isFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool isPathTemplate(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

bool parseClientGroup(const YAML::Node& node, const std::vector<Phase>& phases, YamlFields& f,
                      ClientGroup* g) {
  if (!node.IsMap()) {
    f.fail(node, "each client group must be a map with name, kind, sources, count and rate");
    return false;
  }
  size_t errors_before = f.errors().size();
  g->line = node.Mark().line + 1;
  if (!node["name"]) {
    f.fail(node, "client group needs a name");
  } else {
    f.readString(node["name"], &g->name, "name");
  }
  std::string where = "client group \"" + g->name + "\"";
  if (!node["kind"]) {
    f.fail(node, where + " needs a kind (legit, keepalive_flood, distributed_flood, ...)");
    return false;
  }
  std::string kind_text;
  if (!f.readString(node["kind"], &kind_text, "kind")) return false;
  if (!parseKind(kind_text, &g->kind)) {
    f.fail(node["kind"],
           "unknown kind \"" + kind_text +
               "\" (use legit, keepalive_flood, distributed_flood, cache_busting, "
               "connection_flood, slowloris, slow_post, header_bomb, pulse or mimic)");
    return false;
  }
  applyKindDefaults(g);
  f.checkKeys(node, {"name",         "kind",          "sources",       "count",
                     "connections",  "rate",          "think_time",    "method",
                     "paths",        "headers",       "body_bytes",    "requests_per_connection",
                     "header_count", "header_bytes",  "byte_interval", "bytes_per_tick",
                     "pulse_on",     "pulse_off",     "timeout",       "follow_redirects",
                     "cookies",      "max_redirects", "mimic",         "phases"},
              where);
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (!keyAppliesTo(key, g->kind)) {
      f.fail(kv.first, "\"" + key + "\" does not apply to a " + kindName(g->kind) + " group");
    }
  }

  if (!node["sources"]) {
    f.fail(node, where + " needs sources, a block inside 127.0.0.0/8 (e.g. 127.66.0.0/16)");
  } else {
    std::string text;
    if (f.readString(node["sources"], &text, "sources")) {
      auto range = CidrRange::parse(text);
      if (!range.ok()) {
        f.fail(node["sources"], range.error());
      } else {
        g->sources = *range;
      }
    }
  }
  if (node["count"]) f.readCount(node["count"], &g->count, "count", kMaxCount);
  if (g->count == 0) f.fail(keyOrMap(node, "count"), "count must be at least 1");
  if (g->sources.size() > 0 && g->count > g->sources.size()) {
    f.fail(keyOrMap(node, "count"), "count " + std::to_string(g->count) + " exceeds the " +
                                        std::to_string(g->sources.size()) +
                                        " usable addresses of " + g->sources.toString() +
                                        " (use a larger block)");
  }

  // Rate: requests/s for the whole group, or `max` for a closed loop.
  Duration think{};
  bool has_think = node["think_time"] && f.readDuration(node["think_time"], &think, "think_time");
  if (node["rate"]) {
    if (node["rate"].IsScalar() && node["rate"].Scalar() == "max") {
      if (g->kind == GroupKind::kLegit || holdsConnections(g->kind)) {
        f.fail(node["rate"], "rate: max is for request floods only; give requests per second");
      }
      g->closed_loop = true;
    } else if (f.readNumber(node["rate"], &g->rate, "rate")) {
      if (g->rate <= 0 || g->rate > kMaxRate) {
        f.fail(node["rate"], "rate must be above 0 and at most 10000000 per second");
      }
    }
  }
  if (has_think) {
    if (think <= Duration::zero()) {
      f.fail(node["think_time"], "think_time must be above 0");
    } else {
      double implied = static_cast<double>(g->count) / (static_cast<double>(think.count()) / 1e9);
      if (!node["rate"]) {
        g->rate = implied;
      } else if (std::fabs(implied - g->rate) > 0.01 * g->rate) {
        f.fail(node["think_time"], "think_time " + formatDuration(think) + " across " +
                                       std::to_string(g->count) + " users means " +
                                       std::to_string(static_cast<int64_t>(std::llround(implied))) +
                                       " requests/s, but rate says " + node["rate"].Scalar() +
                                       "; give one of them or make them agree");
      }
    }
  }
  if (!node["rate"] && !has_think) {
    if (holdsConnections(g->kind)) {
      g->rate = -1;  // filled in below: open all connections within a second
    } else {
      f.fail(node, where + " needs a rate (requests per second across the group)");
    }
  }

  if (node["method"]) {
    f.readString(node["method"], &g->method, "method");
    if (!isToken(g->method)) f.fail(node["method"], "method must be a token like GET or POST");
  }
  if (node["paths"] && f.readStringList(node["paths"], &g->paths, "paths")) {
    if (g->paths.empty()) f.fail(node["paths"], "paths must not be empty");
    for (const auto& p : g->paths) {
      if (!isPathTemplate(p)) {
        f.fail(node["paths"], "path \"" + p + "\" must start with / and hold no spaces or " +
                                  "control characters");
      }
    }
  }
  if (node["headers"]) {
    const auto& h = node["headers"];
    if (!h.IsMap()) {
      f.fail(h, "headers must be a map of name: value");
    } else {
      if (g->kind != GroupKind::kMimic) g->headers.clear();
      for (const auto& kv : h) {
        std::string name = kv.first.Scalar(), value;
        if (!f.readString(kv.second, &value, "header value")) continue;
        if (!isToken(name)) f.fail(kv.first, "\"" + name + "\" is not a valid header name");
        if (!isFieldValue(value)) f.fail(kv.second, "header value holds a control character");
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        if (lower == "host" || lower == "content-length" || lower == "transfer-encoding" ||
            lower == "connection" || lower == "cookie") {
          f.fail(kv.first, "storm sets " + name + " itself; remove it from headers");
        }
        g->headers.push_back({name, value});
      }
    }
  }
  if (node["connections"]) {
    f.readCount(node["connections"], &g->connections, "connections", kMaxConnections);
    if (g->connections == 0) f.fail(node["connections"], "connections must be at least 1");
  }
  if (node["body_bytes"]) f.readCount(node["body_bytes"], &g->body_bytes, "body_bytes", 1ull << 30);
  if (node["requests_per_connection"]) {
    f.readCount(node["requests_per_connection"], &g->requests_per_connection,
                "requests_per_connection", 1'000'000'000);
  }
  if (node["header_count"])
    f.readCount(node["header_count"], &g->header_count, "header_count", 10000);
  if (node["header_bytes"]) {
    f.readCount(node["header_bytes"], &g->header_bytes, "header_bytes", 1'000'000);
  }
  if (node["byte_interval"]) {
    f.readDuration(node["byte_interval"], &g->byte_interval, "byte_interval");
    if (g->byte_interval < milliseconds(1)) {
      f.fail(node["byte_interval"], "byte_interval must be at least 1ms");
    }
  }
  if (node["bytes_per_tick"]) {
    f.readCount(node["bytes_per_tick"], &g->bytes_per_tick, "bytes_per_tick", 65536);
    if (g->bytes_per_tick == 0) f.fail(node["bytes_per_tick"], "bytes_per_tick must be at least 1");
  }
  if (node["pulse_on"]) f.readDuration(node["pulse_on"], &g->pulse_on, "pulse_on");
  if (node["pulse_off"]) f.readDuration(node["pulse_off"], &g->pulse_off, "pulse_off");
  if ((g->pulse_on > Duration::zero()) != (g->pulse_off > Duration::zero()) ||
      (g->pulse_on > Duration::zero() && g->pulse_on < milliseconds(100))) {
    f.fail(keyOrMap(node, "pulse_on"),
           "pulses need both pulse_on and pulse_off, each at least 100ms");
  }
  if (node["timeout"]) {
    f.readDuration(node["timeout"], &g->timeout, "timeout");
    if (g->timeout < milliseconds(10)) f.fail(node["timeout"], "timeout must be at least 10ms");
  }
  if (node["follow_redirects"]) {
    f.readBool(node["follow_redirects"], &g->follow_redirects, "follow_redirects");
  }
  if (node["cookies"]) f.readBool(node["cookies"], &g->cookies, "cookies");
  if (node["max_redirects"]) {
    uint64_t n = 0;
    if (f.readCount(node["max_redirects"], &n, "max_redirects", 20)) g->max_redirects = int(n);
  }
  if (node["mimic"]) f.readString(node["mimic"], &g->mimic, "mimic");

  // Phases: by name; legitimate users play throughout, attackers in the attack phases.
  if (node["phases"]) {
    std::vector<std::string> names;
    if (f.readStringList(node["phases"], &names, "phases")) {
      for (const auto& name : names) {
        auto it = std::find_if(phases.begin(), phases.end(),
                               [&](const Phase& p) { return p.name == name; });
        if (it == phases.end()) {
          f.fail(node["phases"], "no phase named \"" + name + "\"");
        } else {
          g->phases.push_back(static_cast<size_t>(it - phases.begin()));
        }
      }
      std::sort(g->phases.begin(), g->phases.end());
      g->phases.erase(std::unique(g->phases.begin(), g->phases.end()), g->phases.end());
    }
  } else {
    for (size_t i = 0; i < phases.size(); ++i) {
      if (!isAttack(g->kind) || phases[i].attack) g->phases.push_back(i);
    }
    if (g->phases.empty()) {
      for (size_t i = 0; i < phases.size(); ++i) g->phases.push_back(i);
    }
  }

  bool request_flood = isAttack(g->kind) && !holdsConnections(g->kind);
  if (request_flood && g->requests_per_connection == 0 && g->connections > 0 &&
      g->connections < g->count) {
    f.fail(keyOrMap(node, "connections"),
           "with keep-alive connections only " + std::to_string(g->connections) + " of the " +
               std::to_string(g->count) +
               " addresses would ever send; give connections >= count, or "
               "requests_per_connection so connections move between addresses");
  }
  if (g->connections == 0) g->connections = defaultConnections(*g);
  if (g->kind == GroupKind::kLegit && g->connections != g->count) {
    f.fail(keyOrMap(node, "connections"),
           "legitimate users hold one connection each; drop connections");
  }
  if (g->rate < 0) g->rate = static_cast<double>(g->connections);
  if (g->kind == GroupKind::kSlowPost && g->body_bytes == 0) {
    f.fail(keyOrMap(node, "body_bytes"), "a slow POST needs body_bytes above 0");
  }
  return f.errors().size() == errors_before;
}

void checkGroupsTogether(const YAML::Node& clients, YamlFields& f,
                         std::vector<ClientGroup>* groups) {
  auto& gs = *groups;
  for (size_t i = 0; i < gs.size(); ++i) {
    const YAML::Node node = clients[i];
    for (size_t j = 0; j < i; ++j) {
      if (gs[i].name == gs[j].name) {
        f.fail(node, "client group name \"" + gs[i].name + "\" is used twice");
      }
      if (!gs[i].sources.overlaps(gs[j].sources)) continue;
      if (isAttack(gs[i].kind) != isAttack(gs[j].kind)) {
        f.fail(keyOrMap(node, "sources"),
               "sources " + gs[i].sources.toString() + " of \"" + gs[i].name + "\" overlap " +
                   gs[j].sources.toString() + " of \"" + gs[j].name +
                   "\"; legitimate users and attackers need separate ranges");
      } else if (gs[i].sources.toString() != gs[j].sources.toString()) {
        f.fail(keyOrMap(node, "sources"),
               "sources " + gs[i].sources.toString() + " of \"" + gs[i].name +
                   "\" partly overlap " + gs[j].sources.toString() + " of \"" + gs[j].name +
                   "\"; use the same range or separate ones, so the origin's counts add up");
      }
    }
    if (gs[i].kind != GroupKind::kMimic) continue;
    const ClientGroup* model = nullptr;
    for (const auto& other : gs) {
      if (other.kind == GroupKind::kLegit && (gs[i].mimic.empty() || other.name == gs[i].mimic)) {
        model = &other;
        break;
      }
    }
    if (model == nullptr) {
      f.fail(keyOrMap(node, "mimic"), gs[i].mimic.empty()
                                          ? "a mimic group needs a legit group to copy"
                                          : "mimic names no legit group \"" + gs[i].mimic + "\"");
      continue;
    }
    gs[i].mimic = model->name;
    if (!node["paths"]) gs[i].paths = model->paths;
    auto own = gs[i].headers;
    gs[i].headers = model->headers;
    if (node["headers"]) {
      for (const auto& h : own) gs[i].headers.push_back(h);
    }
  }
}

}  // namespace floodgate::storm
