#include "config/shield_section.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "config/messages.h"
#include "config/units.h"
#include "shield/ip_prefix.h"

namespace floodgate::config {
namespace {

const std::vector<std::string> kShieldKeys = {
    "enabled",        "blocklist",     "max_connections_per_source", "new_connections_per_source",
    "connection_budget", "min_request_rate", "min_rate_grace", "rate_limits", "table_slots", "detect",
    "challenge", "origin_protection", "kernel_drop", "tarpit_after"};
const std::vector<std::string> kKernelDropKeys = {
    "enabled", "max_entries", "escalate", "escalate_rate", "escalate_after", "defy_after", "penalty",
    "max_penalty", "forgive_after", "escalate_prefixes", "prefix_rate", "prefix_share",
    "prefix_after", "prefix_probation"};
const std::vector<std::string> kChallengeKeys = {"cookie_ttl", "rotation", "cookie_name",
                                                 "prefix_v4", "prefix_v6"};
const std::vector<std::string> kOriginProtectionKeys = {
    "enabled",       "min_limit",  "max_limit",        "latency_tolerance",
    "queue_timeout", "queue_size", "buffer_body_bytes"};
const std::vector<std::string> kBlockKeys = {"prefix", "reason", "ttl"};
const std::vector<std::string> kRateLimitKeys = {"name",      "key",   "prefix_v4", "prefix_v6",
                                                 "rate",      "burst", "routes"};

constexpr int kMaxInt = std::numeric_limits<int>::max();

// A plain number in [min, max] at `key` into *out; otherwise "<key> \"<text>\" <must_be>".
void readNumber(Fields& f, const char* key, double min, double max, const char* must_be,
                double* out) {
  std::string text;
  if (!f.text(key, &text)) return;
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size() || value < min || value > max) {
    f.add(f.where(key), f.subject(key) + " " + quoted(text) + " " + must_be);
    return;
  }
  *out = value;
}

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

void readBool(Fields& f, std::string_view key, bool* out) {
  if (!f.has(key)) return;
  bool value = true;
  if (!YAML::convert<bool>::decode(f.get(key), value)) {
    f.add(f.where(key), f.subject(key) + " must be true or false");
  } else {
    *out = value;
  }
}

void readChallenge(const YAML::Node& node, ChallengeOptions* c, ProblemList& problems) {
  if (!expectMap(node, "shield.challenge", "challenge: { cookie_ttl: 30m, rotation: 1h }",
                 problems)) {
    return;
  }
  Fields f(node, "shield.challenge", Fields::Style::kSection, problems);
  f.allowOnly(kChallengeKeys);
  f.duration("cookie_ttl", &c->cookie_ttl);
  f.duration("rotation", &c->rotation);
  f.integer("prefix_v4", &c->prefix_v4, 8, 32);
  f.integer("prefix_v6", &c->prefix_v6, 16, 128);
  std::string name;
  if (f.text("cookie_name", &name)) {
    bool token = !name.empty() && name.size() <= 64;
    for (char ch : name) token = token && (std::isalnum(static_cast<unsigned char>(ch)) ||
                                           ch == '_' || ch == '-');
    if (token) {
      c->cookie_name = name;
    } else {
      f.add(f.where("cookie_name"), f.subject("cookie_name") + " " + quoted(name) +
                                        " must be 1 to 64 letters, digits, '_' or '-'");
    }
  }
  // Tokens are accepted under the current and the previous key: one that outlived two
  // periods would be refused before its expiry, which would puzzle whoever set the ttl.
  if (c->cookie_ttl > c->rotation) {
    f.add(f.where("cookie_ttl"), f.subject("cookie_ttl") +
                                     " must not be longer than shield.challenge.rotation");
  }
}

void readOriginProtection(const YAML::Node& node, OriginProtection* o, ProblemList& problems) {
  if (!expectMap(node, "shield.origin_protection",
                 "origin_protection: { max_limit: 256, queue_timeout: 500ms }", problems)) {
    return;
  }
  Fields f(node, "shield.origin_protection", Fields::Style::kSection, problems);
  f.allowOnly(kOriginProtectionKeys);
  readBool(f, "enabled", &o->enabled);
  f.integer("min_limit", &o->min_limit, 1, 1 << 20);
  f.integer("max_limit", &o->max_limit, 1, 1 << 20);
  if (o->min_limit > o->max_limit) {
    f.add(f.where("min_limit"), f.subject("min_limit") + " (" + std::to_string(o->min_limit) +
                                    ") must not be above max_limit (" +
                                    std::to_string(o->max_limit) + ")");
  }
  readNumber(f, "latency_tolerance", 1.1, 100,
             "must be a factor from 1.1 to 100 (e.g. 2: twice the normal latency)",
             &o->latency_tolerance);
  f.duration("queue_timeout", &o->queue_timeout);
  f.integer("queue_size", &o->queue_size, 0, 1 << 20);
  f.size("buffer_body_bytes", &o->buffer_body_bytes, 0, 64ull << 20);
}

void readKernelDrop(const YAML::Node& node, KernelDrop* k, ProblemList& problems) {
  if (!expectMap(node, "shield.kernel_drop", "kernel_drop: { escalate_rate: 50, penalty: 10s }",
                 problems)) {
    return;
  }
  Fields f(node, "shield.kernel_drop", Fields::Style::kSection, problems);
  f.allowOnly(kKernelDropKeys);
  readBool(f, "enabled", &k->enabled);
  readBool(f, "escalate", &k->escalate);
  f.integer("max_entries", &k->max_entries, 1, 1 << 24);
  auto rate = [&](const char* key, double* out, const char* example) {
    std::string text;
    if (f.text(key, &text) && (!parseRequestRate(text, out) || *out <= 0)) {
      f.add(f.where(key), f.subject(key) + " " + quoted(text) +
                              " is not a rate; write refused requests per second, e.g. " +
                              example);
    }
  };
  rate("escalate_rate", &k->escalate_rate, "50 or 50/s");
  f.integer("escalate_after", &k->escalate_after, 1, 3600);
  f.integer("defy_after", &k->defy_after, 1, 3600);
  readBool(f, "escalate_prefixes", &k->escalate_prefixes);
  rate("prefix_rate", &k->prefix_rate, "20 or 20/s");
  // A duration; a bare number is seconds, as it once was an integer of them.
  std::string after;
  if (f.text("prefix_after", &after)) {
    const bool bare = !after.empty() && after.find_first_not_of("0123456789") == std::string::npos;
    auto value = parseDuration(bare ? after + "s" : after);
    if (!value || value->count() <= 0 || *value > std::chrono::hours(1)) {
      f.add(f.where("prefix_after"),
            f.subject("prefix_after") + " " + quoted(after) +
                " must be a duration from 1ms to 1h (a bare number is seconds), e.g. 500ms");
    } else {
      k->prefix_after = *value;
    }
  }
  if (f.integer("prefix_probation", &k->prefix_probation, 0, 256) &&
      (k->prefix_probation & (k->prefix_probation - 1)) != 0) {
    f.add(f.where("prefix_probation"),
          f.subject("prefix_probation") + " must be 0 or a power of two up to 256 (one source in " +
              "that many passes), e.g. 8");
  }
  readNumber(f, "prefix_share", 0.5, 1,
             "must be a share from 0.5 to 1 (e.g. 0.99: 99 in 100 of its requests refused)",
             &k->prefix_share);
  f.duration("penalty", &k->penalty);
  f.duration("max_penalty", &k->max_penalty);
  f.duration("forgive_after", &k->forgive_after);
  if (k->max_penalty < k->penalty) {
    f.add(f.where("max_penalty"), f.subject("max_penalty") + " must not be shorter than " +
                                      "shield.kernel_drop.penalty");
  }
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
  readBool(f, "enabled", &s.enabled);
  readBool(f, "detect", &s.detect);
  if (f.has("challenge")) readChallenge(f.get("challenge"), &s.challenge, problems);
  if (f.has("origin_protection")) {
    readOriginProtection(f.get("origin_protection"), &s.origin_protection, problems);
  }
  if (f.has("kernel_drop")) readKernelDrop(f.get("kernel_drop"), &s.kernel_drop, problems);
  f.integer("max_connections_per_source", &s.max_connections_per_source, 0, kMaxInt);
  f.integer("new_connections_per_source", &s.new_connections_per_source, 0, kMaxInt);
  f.integer("connection_budget", &s.connection_budget, 0, kMaxInt);
  f.size("min_request_rate", &s.min_request_rate, 0, 1ull << 40);
  f.duration("min_rate_grace", &s.min_rate_grace);
  f.integer("table_slots", &s.table_slots, 1024, 1 << 26);
  f.integer("tarpit_after", &s.tarpit_after, 0, 1 << 16);
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
