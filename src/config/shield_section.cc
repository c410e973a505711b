#include "config/shield_section.h"

#include <charconv>
#include <limits>

#include "config/messages.h"
#include "shield/ip_prefix.h"

namespace floodgate::config {
namespace {

const std::vector<std::string> kShieldKeys = {
    "enabled",        "blocklist",     "max_connections_per_source", "new_connections_per_source",
    "connection_budget", "min_request_rate", "min_rate_grace", "rate_limits", "table_slots", "detect"};
const std::vector<std::string> kBlockKeys = {"prefix", "reason", "ttl"};
const std::vector<std::string> kRateLimitKeys = {"name",      "key",   "prefix_v4", "prefix_v6",
                                                 "rate",      "burst", "routes"};

constexpr int kMaxInt = std::numeric_limits<int>::max();

void readBlockEntry(const YAML::Node& item, size_t index, Shield* shield, ProblemList& problems) {
  BlockEntry entry;
  Where at = whereOf(item);
  if (item.IsScalar()) {
    entry.prefix = item.Scalar();
  } else if (item.IsMap()) {
    Fields f(item, "shield.blocklist[" + std::to_string(index) + "]", Fields::Style::kItem,
             problems);
    f.allowOnly(kBlockKeys);
    if (!f.require("prefix", "prefix: 203.0.113.0/24")) return;
    f.text("prefix", &entry.prefix);
    f.text("reason", &entry.reason);
    f.duration("ttl", &entry.ttl);
    at = f.where("prefix");
  } else {
    problems.add(at, "shield.blocklist[" + std::to_string(index) +
                         "] must be an address or prefix (e.g. 203.0.113.0/24), or a map "
                         "{ prefix: ..., reason: ..., ttl: 1h }, not " + kindOf(item));
    return;
  }
  auto parsed = shield::IpPrefix::parse(entry.prefix);
  if (!parsed) {
    problems.add(at, "shield.blocklist: " + parsed.error());
    return;
  }
  shield->blocklist.push_back(std::move(entry));
}

bool parseKey(std::string_view text, RateLimit* limit) {
  if (text == "source") {
    limit->key = RateLimit::Key::kSource;
  } else if (text == "prefix") {
    limit->key = RateLimit::Key::kPrefix;
  } else if (text == "route") {
    limit->key = RateLimit::Key::kRoute;
  } else if (text.rfind("header:", 0) == 0 && text.size() > 7) {
    limit->key = RateLimit::Key::kHeader;
    limit->header = std::string(text.substr(7));
  } else {
    return false;
  }
  return true;
}

void readRateLimit(const YAML::Node& item, size_t index, Config* config, ProblemList& problems) {
  RateLimit limit;
  limit.name = "rate-limit-" + std::to_string(index);
  if (!expectMap(item, "shield.rate_limits[" + std::to_string(index) + "]",
                 "- { key: source, rate: 20/s, burst: 40 }", problems)) {
    return;
  }
  Fields f(item, "rate limit " + quoted(limit.name), Fields::Style::kItem, problems);
  if (f.text("name", &limit.name)) f.rename("rate limit " + quoted(limit.name));
  f.allowOnly(kRateLimitKeys);
  std::string key = "source";
  if (f.text("key", &key) && !parseKey(key, &limit)) {
    f.add(f.where("key"), f.subject("key") + " " + quoted(key) +
                              " is not a key; use source, prefix, route or header:NAME "
                              "(e.g. header:X-Api-Key)");
  }
  f.integer("prefix_v4", &limit.prefix_v4, 8, 32);
  f.integer("prefix_v6", &limit.prefix_v6, 16, 128);
  bool has_rate = f.require("rate", "rate: 20/s");
  std::string rate_text;
  if (has_rate && f.text("rate", &rate_text) &&
      (!parseRequestRate(rate_text, &limit.rate) || limit.rate <= 0)) {
    f.add(f.where("rate"), f.subject("rate") + " " + quoted(rate_text) +
                               " is not a rate; write requests per second or per minute, "
                               "e.g. 20, 20/s or 600/m");
  }
  std::string burst_text;
  if (f.text("burst", &burst_text)) {
    double burst = 0;
    auto [p, ec] = std::from_chars(burst_text.data(), burst_text.data() + burst_text.size(), burst);
    if (ec != std::errc() || p != burst_text.data() + burst_text.size() || burst < 1) {
      f.add(f.where("burst"), f.subject("burst") + " " + quoted(burst_text) +
                                  " must be a number of requests, at least 1 (e.g. 40)");
    } else {
      limit.burst = burst;
    }
  }
  if (f.has("routes")) {
    YAML::Node routes = f.get("routes");
    if (!expectList(routes, f.subject("routes"), "routes: [api]", problems)) return;
    for (const auto& r : routes) {
      std::string name = r.IsScalar() ? r.Scalar() : "";
      int found = -1;
      for (size_t i = 0; i < config->routes.size(); ++i) {
        if (config->routes[i].name == name) found = static_cast<int>(i);
      }
      if (found < 0) {
        problems.add(whereOf(r), f.subject("routes") + ": no route named " + quoted(name) +
                                     " (routes are named with name: in routes:)");
        continue;
      }
      limit.routes.push_back(name);
      limit.route_indexes.push_back(found);
    }
  }
  if (limit.burst == 0) limit.burst = std::max(1.0, limit.rate);
  config->shield.rate_limits.push_back(std::move(limit));
}

}  // namespace

bool parseRequestRate(std::string_view text, double* per_second) {
  double divisor = 1;
  size_t slash = text.find('/');
  std::string_view number = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view unit = text.substr(slash + 1);
    if (unit == "s") {
      divisor = 1;
    } else if (unit == "m") {
      divisor = 60;
    } else if (unit == "h") {
      divisor = 3600;
    } else {
      return false;
    }
  }
  double value = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || p != number.data() + number.size()) return false;
  *per_second = value / divisor;
  return true;
}

void readShieldSection(Fields& top, Config* config, ProblemList& problems) {
  YAML::Node node = top.get("shield");
  if (!node.IsDefined() || node.IsNull()) return;
  if (!expectMap(node, "shield", "shield: { max_connections_per_source: 100 }", problems)) return;
  Fields f(node, "shield", Fields::Style::kSection, problems);
  f.allowOnly(kShieldKeys);
  Shield& s = config->shield;
  for (auto [key, flag] : {std::pair{"enabled", &s.enabled}, std::pair{"detect", &s.detect}}) {
    if (!f.has(key)) continue;
    bool value = true;
    if (!YAML::convert<bool>::decode(f.get(key), value)) {
      f.add(f.where(key), f.subject(key) + " must be true or false");
    } else {
      *flag = value;
    }
  }
  f.integer("max_connections_per_source", &s.max_connections_per_source, 0, kMaxInt);
  f.integer("new_connections_per_source", &s.new_connections_per_source, 0, kMaxInt);
  f.integer("connection_budget", &s.connection_budget, 0, kMaxInt);
  f.size("min_request_rate", &s.min_request_rate, 0, 1ull << 40);
  f.duration("min_rate_grace", &s.min_rate_grace);
  f.integer("table_slots", &s.table_slots, 1024, 1 << 26);
  if (f.has("blocklist")) {
    YAML::Node list = f.get("blocklist");
    if (expectList(list, "shield.blocklist", "blocklist: [203.0.113.0/24]", problems)) {
      for (size_t i = 0; i < list.size(); ++i) readBlockEntry(list[i], i, &s, problems);
    }
  }
  if (f.has("rate_limits")) {
    YAML::Node list = f.get("rate_limits");
    if (expectList(list, "shield.rate_limits", "rate_limits: [{ key: source, rate: 20/s }]",
                   problems)) {
      for (size_t i = 0; i < list.size(); ++i) readRateLimit(list[i], i, config, problems);
    }
  }
}

}  // namespace floodgate::config
