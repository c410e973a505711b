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
  for (int r = 0; r < shield::WorkerObservation::kMaxRoutes; ++r)
    t.routes[r] = merged.routeRequests(r);
  t.errors_5xx = merged.statusCount(shield::StatusClass::k5xx);
  t.local = merged.statusCount(shield::StatusClass::kLocal);
  t.p99_ms = merged.latency().count() == 0 ? 0 : merged.latency().quantileMicros(0.99) / 1000.0;
  t.anomaly = anomaly;
  t.rules = rules;
  return t;
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

StatusFeed::StatusFeed(EventLoop* loop, const config::Config& config,
                       status::StatusService* service, const ShieldState* shield)
    : service_(service), shield_(shield) {
  std::vector<SocketAddress> addresses;
  std::map<std::string, size_t> index;  // one probe per distinct endpoint
  auto endpoint = [&](const config::Endpoint& e) {
    std::string key = e.address.toString();
    auto [it, added] = index.emplace(key, addresses.size());
    if (added) addresses.push_back(e.address);
    return it->second;
  };
  for (const auto& c : config.status.components) {
    Watched w;
    w.id = c.id;
    std::vector<int> clusters = c.cluster_indexes;
    for (int r : c.route_indexes) {
      w.routes.push_back(r);
      int ci = config.routes[r].cluster_index;
      if (ci >= 0) clusters.push_back(ci);
    }
    for (int ci : clusters) {
      for (const auto& e : config.clusters[ci].endpoints) w.endpoints.push_back(endpoint(e));
      if (c.route_indexes.empty()) {  // a cluster's component counts every route to it
        for (size_t r = 0; r < config.routes.size(); ++r) {
          if (config.routes[r].cluster_index == ci) w.routes.push_back(static_cast<int>(r));
        }
      }
    }
    for (const auto& e : c.endpoints) w.endpoints.push_back(endpoint(e));
    std::sort(w.endpoints.begin(), w.endpoints.end());
    w.endpoints.erase(std::unique(w.endpoints.begin(), w.endpoints.end()), w.endpoints.end());
    std::sort(w.routes.begin(), w.routes.end());
    w.routes.erase(std::unique(w.routes.begin(), w.routes.end()), w.routes.end());
    components_.push_back(std::move(w));
  }
  probe_ = std::make_unique<ReachabilityProbe>(loop, std::move(addresses));
  rejected_before_ = rejectedTotal(shield_);
}

void StatusFeed::noteTick(const TrafficTick& tick) {
  std::lock_guard<std::mutex> lock(mu_);
  last_ = tick;
  fresh_ = true;
}

void StatusFeed::second() {
  TrafficTick tick;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fresh_) tick = last_;  // a stale tick is not counted twice
    fresh_ = false;
  }
  probe_->round();  // finishes the last round (its verdicts are read below) and starts one
  uint64_t rejected = rejectedTotal(shield_);
  uint64_t mitigated = rejected - std::min(rejected, rejected_before_);
  rejected_before_ = rejected;
  std::vector<std::pair<std::string, status::Signals>> signals;
  for (const auto& w : components_) {
    status::Signals s;
    s.total_endpoints = static_cast<int>(w.endpoints.size());
    for (size_t e : w.endpoints) s.healthy_endpoints += probe_->reachable(e) ? 1 : 0;
    if (!probed_) s.healthy_endpoints = s.total_endpoints;  // no verdict yet: assume well
    for (int r : w.routes) {
      if (r < shield::WorkerObservation::kMaxRoutes) s.requests += tick.routes[r];
    }
    // 5xx are counted for the whole gateway; each component is given its share of them.
    if (tick.requests > 0) s.errors_5xx = tick.errors_5xx * s.requests / tick.requests;
    s.p99_ms = tick.p99_ms;
    s.under_attack = tick.anomaly;
    s.mitigated = tick.anomaly && tick.rules > 0;
    signals.push_back({w.id, s});
  }
  probed_ = true;
  status::TrafficSample sample;
  sample.requests = static_cast<double>(tick.requests);
  uint64_t failed = tick.errors_5xx + tick.local;
  sample.succeeded = static_cast<double>(tick.requests - std::min(tick.requests, failed));
  sample.mitigated = static_cast<double>(mitigated);
  sample.p99_ms = tick.p99_ms;
  service_->observe(signals, sample);
}

}  // namespace floodgate::proxy
