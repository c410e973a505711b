#include "proxy/status_feed.h"

#include <algorithm>
#include <map>

namespace floodgate::proxy {
namespace {

uint64_t rejectedTotal(const ShieldState* shield) {
  uint64_t n = 0;
  for (int r = 0; r < static_cast<int>(Rejection::kCount); ++r) {
    n += shield->total(static_cast<Rejection>(r));
  }
  return n;
}

}  // namespace

TrafficTick TrafficTick::from(const shield::WorkerObservation& merged, bool anomaly, size_t rules) {
  TrafficTick t;
  t.requests = merged.totalRequests();
  for (int r = 0; r < shield::WorkerObservation::kMaxRoutes; ++r) {
    t.routes[r] = merged.routeRequests(r);
    t.route_errors[r] = merged.routeErrors(r);
  }
  t.errors_5xx = merged.statusCount(shield::StatusClass::k5xx);
  t.local = merged.statusCount(shield::StatusClass::kLocal);
  t.p99_ms = merged.latency().count() == 0 ? 0 : merged.latency().quantileMicros(0.99) / 1000.0;
  t.anomaly = anomaly;
  t.rules = rules;
  return t;
}

void TrafficTick::add(const TrafficTick& later) {
  requests += later.requests;
  for (int r = 0; r < shield::WorkerObservation::kMaxRoutes; ++r) {
    routes[r] += later.routes[r];
    route_errors[r] += later.route_errors[r];
  }
  errors_5xx += later.errors_5xx;
  local += later.local;
  p99_ms = std::max(p99_ms, later.p99_ms);  // the worse of the two: no finer view is kept
  anomaly = later.anomaly;
  rules = later.rules;
}

status::ServiceOptions statusServiceOptions(const config::Config& config) {
  const auto& s = config.status;
  status::ServiceOptions o;
  o.title = s.title;
  o.database = s.database;
  o.page_url = s.url;
  auto secs = [](Duration d) { return static_cast<int>(std::max<int64_t>(1, toMillis(d) / 1000)); };
  o.engine.worse_after = secs(s.worse_after);
  o.engine.better_after = secs(s.better_after);
  o.engine.resolve_after = secs(s.resolve_after);
  for (const auto& c : s.components) o.components.push_back({c.id, c.name, c.description});
  return o;
}

StatusFeed::StatusFeed(const config::Config& config, status::StatusService* service,
                       const ShieldState* shield)
    : service_(service), shield_(shield) {
  for (const auto& c : config.status.components) {
    Watched w;
    w.id = c.id;
    w.clusters = c.clusters;
    for (int r : c.route_indexes) {
      w.routes.push_back(r);
      if (config.routes[r].cluster_index >= 0) w.clusters.push_back(config.routes[r].cluster);
    }
    for (int ci : c.cluster_indexes) {
      if (!c.route_indexes.empty()) continue;  // a cluster's component counts every route to it
      for (size_t r = 0; r < config.routes.size(); ++r) {
        if (config.routes[r].cluster_index == ci) w.routes.push_back(static_cast<int>(r));
      }
    }
    for (const auto& e : c.endpoints) w.endpoints.push_back(e.address);
    std::sort(w.clusters.begin(), w.clusters.end());
    w.clusters.erase(std::unique(w.clusters.begin(), w.clusters.end()), w.clusters.end());
    std::sort(w.routes.begin(), w.routes.end());
    w.routes.erase(std::unique(w.routes.begin(), w.routes.end()), w.routes.end());
    components_.push_back(std::move(w));
  }
  rejected_before_ = rejectedTotal(shield_);
}

void StatusFeed::noteTick(const TrafficTick& tick) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fresh_) {
    last_.add(tick);  // the defense ticks faster than once a second: the second is their sum
  } else {
    last_ = tick;
  }
  fresh_ = true;
}

void StatusFeed::noteUpstream(std::shared_ptr<const upstream::UpstreamView> view) {
  std::lock_guard<std::mutex> lock(mu_);
  view_ = std::move(view);
}

std::map<std::string, StatusFeed::ClusterCounts> StatusFeed::sinceLast(
    const upstream::UpstreamView& view) {
  std::map<std::string, ClusterCounts> grown;
  for (size_t ci = 0; ci < view.clusters.size() && ci < view.config->clusters.size(); ++ci) {
    const std::string& name = view.config->clusters[ci].name;
    upstream::ClusterShared& shared = *view.clusters[ci].shared;
    ClusterCounts now{view.clusters[ci].shared,
                      shared.counters().shed.load(std::memory_order_relaxed),
                      {},
                      {}};
    for (size_t e = 0; e < shared.endpointCount(); ++e) {
      now.attempts.push_back(shared.endpoint(e).requests.load(std::memory_order_relaxed));
      now.failures.push_back(shared.endpoint(e).failures.load(std::memory_order_relaxed));
    }
    ClusterCounts& before = seen_[name];
    if (before.shared != now.shared) {  // new counters (a reload): they started from zero
      before = ClusterCounts{now.shared, 0, {}, {}};
    }
    before.attempts.resize(now.attempts.size());
    before.failures.resize(now.failures.size());
    auto minus = [](uint64_t a, uint64_t b) { return a - std::min(a, b); };
    ClusterCounts& d = grown[name];
    d.shed = minus(now.shed, before.shed);
    for (size_t e = 0; e < now.attempts.size(); ++e) {
      d.attempts.push_back(minus(now.attempts[e], before.attempts[e]));
      d.failures.push_back(minus(now.failures[e], before.failures[e]));
    }
    before = std::move(now);
  }
  return grown;
}

void StatusFeed::judgeEndpoints(const Watched& w, const upstream::UpstreamView& view,
                                const std::map<std::string, ClusterCounts>& grown,
                                status::Signals* s) const {
  const auto& clusters = view.config->clusters;
  for (size_t ci = 0; ci < clusters.size() && ci < view.clusters.size(); ++ci) {
    const config::Cluster& cluster = clusters[ci];
    const upstream::ClusterHealth& health = *view.clusters[ci].health;
    auto counts = grown.find(cluster.name);
    bool whole = std::binary_search(w.clusters.begin(), w.clusters.end(), cluster.name);
    for (size_t ei = 0; ei < cluster.endpoints.size() && ei < health.endpoints.size(); ++ei) {
      bool own = std::find(w.endpoints.begin(), w.endpoints.end(),
                           cluster.endpoints[ei].address) != w.endpoints.end();
      if (!whole && !own) continue;
      if (w.routes.empty() && counts != grown.end() && ei < counts->second.attempts.size()) {
        s->requests += counts->second.attempts[ei];
        s->errors_5xx += counts->second.failures[ei];
      }
      const auto& e = health.endpoints[ei];
      if (e.draining) continue;  // an operator took it out: not a fault
      ++s->total_endpoints;
      s->healthy_endpoints += e.available() ? 1 : 0;
    }
    if (!whole) continue;
    if (counts != grown.end()) s->shed += counts->second.shed;
    // Failed over: the first level has no endpoint able to take traffic, a later one has.
    std::vector<int> available(cluster.levels.size(), 0), present(cluster.levels.size(), 0);
    for (size_t ei = 0; ei < cluster.endpoints.size() && ei < health.endpoints.size(); ++ei) {
      auto l = static_cast<size_t>(cluster.endpoints[ei].level);
      if (l >= available.size()) continue;
      ++present[l];
      available[l] += health.endpoints[ei].available() ? 1 : 0;
    }
    if (!present.empty() && present[0] > 0 && available[0] == 0) {
      for (size_t l = 1; l < available.size(); ++l) s->failed_over |= available[l] > 0;
    }
  }
}

void StatusFeed::second() {
  TrafficTick tick;
  std::shared_ptr<const upstream::UpstreamView> view;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fresh_) tick = last_;  // a stale tick is not counted twice
    fresh_ = false;
    view = view_;
  }
  uint64_t rejected = rejectedTotal(shield_);
  uint64_t mitigated = rejected - std::min(rejected, rejected_before_);
  rejected_before_ = rejected;
  std::map<std::string, ClusterCounts> grown;
  if (view) grown = sinceLast(*view);
  std::vector<std::pair<std::string, status::Signals>> signals;
  for (const auto& w : components_) {
    status::Signals s;
    if (view) judgeEndpoints(w, *view, grown, &s);
    for (int r : w.routes) {
      if (r >= shield::WorkerObservation::kMaxRoutes) continue;
      s.requests += tick.routes[r];
      s.errors_5xx += tick.route_errors[r];
    }
    s.p99_ms = tick.p99_ms;
    s.under_attack = tick.anomaly;
    s.mitigated = tick.anomaly && tick.rules > 0;
    signals.push_back({w.id, s});
  }
  status::TrafficSample sample;
  sample.requests = static_cast<double>(tick.requests);
  uint64_t failed = tick.errors_5xx + tick.local;
  sample.succeeded = static_cast<double>(tick.requests - std::min(tick.requests, failed));
  sample.mitigated = static_cast<double>(mitigated);
  sample.p99_ms = tick.p99_ms;
  service_->observe(signals, sample);
}

}  // namespace floodgate::proxy
