#include "config/upstream_section.h"

#include <charconv>
#include <fmt/format.h>

#include <limits>
#include <optional>

#include "config/messages.h"
#include "config/shield_section.h"

namespace floodgate::config {

const std::vector<std::string> kUpstreamClusterKeys = {
    "levels",          "health_check", "outlier_detection", "panic_threshold",
    "slow_start",      "retry",        "load_balancing"};

namespace {

const std::vector<std::string> kHealthKeys = {
    "type",     "path",   "expect",            "body_contains",      "timeout",
    "interval", "jitter", "healthy_threshold", "unhealthy_threshold"};
const std::vector<std::string> kOutlierKeys = {"enabled",
                                               "consecutive_5xx",
                                               "consecutive_connect_failures",
                                               "min_success_rate",
                                               "success_rate_stdev",
                                               "success_rate_minimum_hosts",
                                               "success_rate_request_volume",
                                               "latency_factor",
                                               "interval",
                                               "base_ejection",
                                               "max_ejection",
                                               "max_ejected_percent"};
const std::vector<std::string> kRetryKeys = {
    "per_try_timeout", "deadline",    "max_attempts", "budget_percent", "budget_min_per_second",
    "backoff_base",    "backoff_max", "on_status"};
const std::vector<std::string> kBalancingKeys = {"policy", "hash"};
const std::vector<std::string> kHashKeys = {"header", "cookie"};

constexpr int kMaxInt = std::numeric_limits<int>::max();

// A number read as text (YAML gives "1.9" and "10" alike), within [min, max].
bool number(Fields& f, std::string_view key, double* out, double min, double max) {
  std::string text;
  if (!f.text(key, &text)) return false;
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size() || value < min || value > max) {
    f.add(f.where(key), f.subject(key) + " " + quoted(text) + " must be a number from " +
                            fmt::format("{:g} to {:g}", min, max));
    return false;
  }
  *out = value;
  return true;
}

// The map at key as a nested Fields, or nullopt (reported unless absent).
std::optional<Fields> section(Fields& f, std::string_view key, std::string_view example,
                              ProblemList& problems) {
  if (!f.has(key)) return std::nullopt;
  if (!expectMap(f.get(key), f.subject(key), example, problems)) return std::nullopt;
  return Fields(f.get(key), f.subject(key), Fields::Style::kItem, problems);
}

// "200", "200-399": one inclusive range of status codes.
bool parseStatusRange(std::string_view text, std::pair<int, int>* out) {
  size_t dash = text.find('-');
  std::string_view a = text.substr(0, dash);
  std::string_view b = dash == std::string_view::npos ? a : text.substr(dash + 1);
  int lo = 0, hi = 0;
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), lo);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), hi);
  if (r1.ec != std::errc() || r1.ptr != a.data() + a.size() || r2.ec != std::errc() ||
      r2.ptr != b.data() + b.size() || lo < 100 || hi > 599 || lo > hi) {
    return false;
  }
  *out = {lo, hi};
  return true;
}

void readHealthCheck(Fields& cluster, HealthCheck* h, ProblemList& problems) {
  auto f = section(cluster, "health_check", "health_check: { type: http, path: /healthz }",
                   problems);
  if (!f) return;
  f->allowOnly(kHealthKeys);
  std::string type = "http";
  f->text("type", &type);
  if (type == "http") {
    h->type = HealthCheck::Type::kHttp;
  } else if (type == "tcp") {
    h->type = HealthCheck::Type::kTcp;
  } else {
    f->add(f->where("type"), f->subject("type") + " " + quoted(type) + " must be http or tcp");
  }
  if (f->text("path", &h->path) && (h->path.empty() || h->path[0] != '/')) {
    f->add(f->where("path"), f->subject("path") + " must start with / (e.g. /healthz)");
  }
  if (f->has("expect")) {
    YAML::Node list = f->get("expect");
    if (list.IsScalar()) {
      YAML::Node wrapped(YAML::NodeType::Sequence);
      wrapped.push_back(list);
      list = wrapped;
    }
    if (expectList(list, f->subject("expect"), "expect: [200-399]", problems)) {
      std::vector<std::pair<int, int>> ranges;
      for (const auto& item : list) {
        std::pair<int, int> range;
        if (!item.IsScalar() || !parseStatusRange(item.Scalar(), &range)) {
          problems.add(whereOf(item), f->subject("expect") +
                                          ": each item is a status or a range of them "
                                          "between 100 and 599, e.g. 200 or 200-399");
          continue;
        }
        ranges.push_back(range);
      }
      if (!ranges.empty()) h->expect = std::move(ranges);
    }
  }
  f->text("body_contains", &h->body_contains);
  f->duration("timeout", &h->timeout);
  f->duration("interval", &h->interval);
  f->duration("jitter", &h->jitter);
  f->integer("healthy_threshold", &h->healthy_threshold, 1, 100);
  f->integer("unhealthy_threshold", &h->unhealthy_threshold, 1, 100);
  if (h->timeout > h->interval) {
    f->add(f->where("timeout"), f->subject("timeout") +
                                    " must not be longer than the interval; a check would "
                                    "still run when the next one starts");
  }
}

void readOutlierDetection(Fields& cluster, OutlierDetection* o, ProblemList& problems) {
  auto f = section(cluster, "outlier_detection", "outlier_detection: { consecutive_5xx: 5 }",
                   problems);
  if (!f) return;
  f->allowOnly(kOutlierKeys);
  if (f->has("enabled") && !YAML::convert<bool>::decode(f->get("enabled"), o->enabled)) {
    f->add(f->where("enabled"), f->subject("enabled") + " must be true or false");
  }
  f->integer("consecutive_5xx", &o->consecutive_5xx, 0, 10000);
  f->integer("consecutive_connect_failures", &o->consecutive_connect_failures, 0, 10000);
  number(*f, "min_success_rate", &o->min_success_rate, 0, 100);
  number(*f, "success_rate_stdev", &o->success_rate_stdev, 0, 10);
  f->integer("success_rate_minimum_hosts", &o->success_rate_minimum_hosts, 1, 10000);
  f->integer("success_rate_request_volume", &o->success_rate_request_volume, 1, kMaxInt);
  number(*f, "latency_factor", &o->latency_factor, 0, 1000);
  if (o->latency_factor > 0 && o->latency_factor < 1.5) {
    f->add(f->where("latency_factor"), f->subject("latency_factor") +
                                           " must be 0 (off) or at least 1.5; closer to 1 "
                                           "would eject endpoints for ordinary variation");
  }
  f->duration("interval", &o->interval);
  f->duration("base_ejection", &o->base_ejection);
  f->duration("max_ejection", &o->max_ejection);
  f->integer("max_ejected_percent", &o->max_ejected_percent, 0, 100);
  if (o->max_ejection < o->base_ejection) {
    f->add(f->where("max_ejection"),
           f->subject("max_ejection") + " must be at least base_ejection");
  }
}

void readRetry(Fields& cluster, RetryPolicy* r, ProblemList& problems) {
  auto f = section(cluster, "retry", "retry: { per_try_timeout: 1s, max_attempts: 2 }", problems);
  if (!f) return;
  f->allowOnly(kRetryKeys);
  f->duration("per_try_timeout", &r->per_try_timeout);
  f->duration("deadline", &r->deadline);
  f->integer("max_attempts", &r->max_attempts, 1, 10);
  number(*f, "budget_percent", &r->budget_percent, 0, 100);
  f->integer("budget_min_per_second", &r->budget_min_per_second, 0, 100000);
  f->duration("backoff_base", &r->backoff_base);
  f->duration("backoff_max", &r->backoff_max);
  if (r->backoff_max < r->backoff_base) {
    f->add(f->where("backoff_max"), f->subject("backoff_max") + " must be at least backoff_base");
  }
  if (f->has("on_status")) {
    YAML::Node list = f->get("on_status");
    if (expectList(list, f->subject("on_status"), "on_status: [502, 503, 504]", problems)) {
      r->on_status.clear();
      for (const auto& item : list) {
        std::pair<int, int> range;
        if (!item.IsScalar() || !parseStatusRange(item.Scalar(), &range) || range.first < 500 ||
            range.first != range.second) {
          problems.add(whereOf(item), f->subject("on_status") +
                                          ": each item is one 5xx status, e.g. 503");
          continue;
        }
        r->on_status.push_back(range.first);
      }
    }
  }
}

void readLoadBalancing(Fields& cluster, LoadBalancing* lb, ProblemList& problems) {
  if (!cluster.has("load_balancing")) return;
  YAML::Node node = cluster.get("load_balancing");
  constexpr std::string_view kPolicies =
      " must be least_request, round_robin or { hash: { header: X-User } }";
  if (node.IsScalar()) {
    if (node.Scalar() == "least_request") {
      lb->policy = LoadBalancing::Policy::kLeastRequest;
    } else if (node.Scalar() == "round_robin") {
      lb->policy = LoadBalancing::Policy::kRoundRobin;
    } else {
      cluster.add(cluster.where("load_balancing"),
                  cluster.subject("load_balancing") + " " + quoted(node.Scalar()) +
                      std::string(kPolicies));
    }
    return;
  }
  auto f = section(cluster, "load_balancing", "load_balancing: { hash: { cookie: session } }",
                   problems);
  if (!f) return;
  f->allowOnly(kBalancingKeys);
  auto hash = section(*f, "hash", "hash: { header: X-User }", problems);
  if (!hash) {
    if (!f->has("hash")) f->add(f->where(), f->name() + std::string(kPolicies));
    return;
  }
  hash->allowOnly(kHashKeys);
  hash->text("header", &lb->hash_header);
  hash->text("cookie", &lb->hash_cookie);
  if (lb->hash_header.empty() == lb->hash_cookie.empty()) {
    hash->add(hash->where(), hash->name() + " needs one of header: or cookie: (not both)");
    return;
  }
  lb->policy = LoadBalancing::Policy::kHash;
}

}  // namespace

void readLevelCapacity(Fields& f, Level* level) {
  std::string rate;
  if (f.text("capacity", &rate) &&
      (!parseRequestRate(rate, &level->requests_per_second) || level->requests_per_second <= 0)) {
    level->requests_per_second = 0;
    f.add(f.where("capacity"), f.subject("capacity") + " " + quoted(rate) +
                                   " is not a rate; write requests per second, e.g. 200/s");
  }
  f.integer("concurrency", &level->concurrency, 1, kMaxInt);
}

void readUpstreamSettings(Fields& f, Cluster* c, ProblemList& problems) {
  readHealthCheck(f, &c->health_check, problems);
  readOutlierDetection(f, &c->outlier_detection, problems);
  readRetry(f, &c->retry, problems);
  readLoadBalancing(f, &c->load_balancing, problems);
  f.integer("panic_threshold", &c->panic_threshold, 0, 100);
  f.duration("slow_start", &c->slow_start);
}

}  // namespace floodgate::config
