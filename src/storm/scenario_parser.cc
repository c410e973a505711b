#include "storm/scenario_parser.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "storm/group_parser.h"
#include "storm/yaml_fields.h"

namespace floodgate::storm {
namespace {

constexpr Duration kMaxRunTime = std::chrono::hours(1);

void parsePhases(const YAML::Node& list, YamlFields& f, Scenario* s) {
  if (!list.IsSequence() || list.size() == 0) {
    f.fail(list, "phases must be a list like [{ name: calm, duration: 10s }, ...]");
    return;
  }
  Duration at{};
  for (const auto& node : list) {
    Phase p;
    if (!node.IsMap()) {
      f.fail(node, "each phase must be a map with name and duration");
      continue;
    }
    f.checkKeys(node, {"name", "duration", "attack"}, "phase");
    if (!node["name"] || !f.readString(node["name"], &p.name, "phase name") || p.name.empty()) {
      f.fail(keyOrMap(node, "name"), "phase needs a name");
    }
    for (const auto& other : s->phases) {
      if (other.name == p.name) f.fail(node["name"], "phase \"" + p.name + "\" is defined twice");
    }
    if (!node["duration"]) {
      f.fail(node, "phase \"" + p.name + "\" needs a duration (e.g. 10s)");
    } else if (f.readDuration(node["duration"], &p.duration, "duration") &&
               p.duration < milliseconds(100)) {
      f.fail(node["duration"], "phase duration must be at least 100ms");
    }
    if (node["attack"]) f.readBool(node["attack"], &p.attack, "attack");
    p.start = at;
    at += p.duration;
    s->phases.push_back(p);
  }
  if (at > kMaxRunTime)
    f.fail(list, "the phases add up to more than an hour; storm runs are bounded");
}

void parseExpect(const YAML::Node& node, YamlFields& f, Scenario* s) {
  auto one = [&](const YAML::Node& item) {
    if (!item.IsScalar()) {
      f.fail(item, "an expectation is a line like \"legit_success >= 0.995\"");
      return;
    }
    auto e = parseExpectation(item.Scalar());
    if (!e.ok()) {
      f.fail(item, e.error());
      return;
    }
    e->line = item.Mark().line + 1;
    e->column = item.Mark().column + 1;
    s->expect.push_back(*e);
  };
  if (node.IsSequence()) {
    for (const auto& item : node) one(item);
  } else {
    one(node);
  }
}

void parseBaseline(const YAML::Node& node, YamlFields& f, Scenario* s) {
  if (!node.IsMap()) {
    f.fail(node, "baseline_band must be a map of success_drop, p99_factor, p99_slack, settle");
    return;
  }
  f.checkKeys(node, {"success_drop", "p99_factor", "p99_slack", "settle"}, "baseline_band");
  if (node["success_drop"])
    f.readNumber(node["success_drop"], &s->baseline.success_drop, "success_drop");
  if (node["p99_factor"]) f.readNumber(node["p99_factor"], &s->baseline.p99_factor, "p99_factor");
  if (node["p99_slack"]) f.readDuration(node["p99_slack"], &s->baseline.p99_slack, "p99_slack");
  if (node["settle"] && f.readDuration(node["settle"], &s->baseline.settle, "settle") &&
      s->baseline.settle < seconds(1)) {
    f.fail(node["settle"], "settle must be at least 1s");
  }
}

void parseUrl(const YAML::Node& node, YamlFields& f, const char* what, LoopbackUrl* url,
              bool* has) {
  std::string text;
  if (!f.readString(node, &text, what)) return;
  auto parsed = LoopbackUrl::parse(text);
  if (!parsed.ok()) {
    f.fail(node, std::string(what) + " " + parsed.error());
    return;
  }
  *url = *parsed;
  *has = true;
}

std::string joinErrors(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

}  // namespace

Result<Scenario> parseScenarioText(const std::string& text, const std::string& file_label) {
  YamlFields f(file_label);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    f.failAt(e.mark, e.msg);
    return makeError(joinErrors(f.errors()));
  }
  if (!root.IsMap()) {
    f.fail(root, "a scenario is a map with name, target, phases and clients");
    return makeError(joinErrors(f.errors()));
  }
  Scenario s;
  s.file = file_label;
  f.checkKeys(root,
              {"name", "target", "origin_stats", "threads", "drain", "phases", "clients", "expect",
               "baseline_band"},
              "the scenario");
  if (root["name"]) f.readString(root["name"], &s.name, "name");
  if (root["target"]) parseUrl(root["target"], f, "target", &s.target, &s.has_target);
  if (root["origin_stats"]) {
    parseUrl(root["origin_stats"], f, "origin_stats", &s.origin_stats, &s.has_origin_stats);
  }
  if (root["threads"]) {
    uint64_t n = 0;
    if (f.readCount(root["threads"], &n, "threads", 64)) s.threads = static_cast<int>(n);
  }
  if (root["drain"]) {
    f.readDuration(root["drain"], &s.drain, "drain");
    if (s.drain > seconds(60)) f.fail(root["drain"], "drain must be at most 60s");
  }
  if (!root["phases"]) {
    f.fail(root, "the scenario needs phases (e.g. [{ name: calm, duration: 10s }])");
  } else {
    parsePhases(root["phases"], f, &s);
  }
  if (!root["clients"]) {
    f.fail(root, "the scenario needs clients (at least one group)");
  } else if (!root["clients"].IsSequence() || root["clients"].size() == 0) {
    f.fail(root["clients"], "clients must be a list of client groups");
  } else if (f.ok()) {
    bool all_good = true;
    for (const auto& node : root["clients"]) {
      ClientGroup g;
      all_good = parseClientGroup(node, s.phases, f, &g) && all_good;
      s.groups.push_back(std::move(g));
    }
    if (all_good) checkGroupsTogether(root["clients"], f, &s.groups);
  }
  if (root["expect"]) parseExpect(root["expect"], f, &s);
  if (root["baseline_band"]) parseBaseline(root["baseline_band"], f, &s);
  if (s.name.empty()) s.name = file_label;
  if (!f.ok()) return makeError(joinErrors(f.errors()));
  return s;
}

Result<Scenario> loadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return makeError(path + ": cannot open the scenario file\n");
  std::stringstream text;
  text << in.rdbuf();
  return parseScenarioText(text.str(), path);
}

}  // namespace floodgate::storm
