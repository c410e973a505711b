#include "upstream/upstream_control.h"

#include "core/log.h"
#include "upstream/slow_start.h"

namespace floodgate::upstream {

UpstreamControl::UpstreamControl(std::shared_ptr<const config::Config> config, int workers,
                                 Publish publish, const Clock& clock)
    : clock_(clock), workers_(workers), publish_(std::move(publish)), loop_(clock) {
  tick_timer_.setCallback([this] {
    tick();
    loop_.schedule(&tick_timer_, kTick);
  });
  std::lock_guard<std::mutex> lock(mu_);
  build(std::move(config));
}

UpstreamControl::~UpstreamControl() {
  stop();
  std::lock_guard<std::mutex> lock(mu_);
  loop_.cancel(&tick_timer_);
  for (auto& c : clusters_) c.probes.clear();
}

void UpstreamControl::setEventSink(EventSink sink) { sink_ = std::move(sink); }

std::shared_ptr<const UpstreamView> UpstreamControl::view() const {
  std::lock_guard<std::mutex> lock(mu_);
  return view_;
}

void UpstreamControl::start() {
  loop_.post([this] {
    startProbes();
    loop_.schedule(&tick_timer_, kTick);
  });
  thread_ = std::thread([this] { loop_.run(); });
}

void UpstreamControl::stop() {
  loop_.stop();
  if (thread_.joinable()) thread_.join();
}

void UpstreamControl::reconfigure(std::shared_ptr<const config::Config> config) {
  loop_.post([this, config = std::move(config)] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : clusters_) c.probes.clear();  // on the loop thread: they watch its sockets
      build(config);
    }
    startProbes();
  });
}

void UpstreamControl::build(std::shared_ptr<const config::Config> config) {
  config_ = std::move(config);
  clusters_.clear();
  MonoTime now = clock_.now();
  for (const auto& cluster : config_->clusters) {
    ClusterControl& c = clusters_.emplace_back();
    c.config = &cluster;
    c.shared = std::make_shared<ClusterShared>(cluster);
    c.outlier = std::make_unique<OutlierDetector>(cluster.outlier_detection,
                                                  cluster.endpoints.size());
    c.endpoints.resize(cluster.endpoints.size());
    // Present from the start: no slow start for what has never been away.
    for (auto& e : c.endpoints) e.available_since = now - cluster.slow_start;
    c.level_up.assign(cluster.levels.size(), true);
  }
  publish();
}

void UpstreamControl::startProbes() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seed = 0x5eed;
  for (size_t ci = 0; ci < clusters_.size(); ++ci) {
    ClusterControl& c = clusters_[ci];
    const auto& check = c.config->health_check;
    if (check.type == config::HealthCheck::Type::kNone) continue;
    for (size_t ei = 0; ei < c.config->endpoints.size(); ++ei) {
      auto probe = std::make_unique<HealthProbe>(
          &loop_, check, c.config->endpoints[ei], ei, ++seed * 0x9e3779b97f4a7c15ULL,
          [this, ci](size_t endpoint, bool healthy, const std::string& detail) {
            onProbe(ci, endpoint, healthy, detail);
          });
      // Spread the first checks over one interval.
      size_t n = c.config->endpoints.size();
      probe->start(check.interval * static_cast<int64_t>(ei) / static_cast<int64_t>(n) +
                   milliseconds(1));
      c.probes.push_back(std::move(probe));
    }
  }
}

void UpstreamControl::onProbe(size_t ci, size_t ei, bool healthy, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ci >= clusters_.size() || ei >= clusters_[ci].endpoints.size()) return;
  ClusterControl& c = clusters_[ci];
  EndpointControl& e = c.endpoints[ei];
  e.last_check = detail;
  if (e.healthy == healthy) return;
  e.healthy = healthy;
  if (healthy) e.available_since = clock_.now();
  emit(healthy ? "upstream.endpoint_healthy" : "upstream.endpoint_unhealthy", subjectOf(c, ei),
       healthy ? "health checks pass again" : "health checks fail: " + detail,
       {{"check", detail}});
  // An origin that died and came back would otherwise sit out its whole ejection (30 s and up)
  // with its checks passing; the failures it piled up while dead judged the old run.
  if (healthy && c.outlier->uneject(ei)) {
    EndpointStats& s = c.shared->endpoint(ei);
    s.consecutive_5xx.store(0, std::memory_order_relaxed);
    s.consecutive_gateway.store(0, std::memory_order_relaxed);
    emit("upstream.endpoint_returned", subjectOf(c, ei),
         "back from ejection: health checks pass again; slow start",
         {{"ejections", c.outlier->ejections(ei)}});
  }
  publish();
}

void UpstreamControl::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  MonoTime now = clock_.now();
  bool changed = false;
  for (auto& c : clusters_) {
    std::vector<EndpointSample> samples(c.endpoints.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      EndpointStats& s = c.shared->endpoint(i);
      samples[i].requests = s.requests.load(std::memory_order_relaxed);
      samples[i].failures = s.failures.load(std::memory_order_relaxed);
      samples[i].latency_us = s.latency_us.load(std::memory_order_relaxed);
      samples[i].consecutive_5xx = s.consecutive_5xx.load(std::memory_order_relaxed);
      samples[i].consecutive_gateway = s.consecutive_gateway.load(std::memory_order_relaxed);
    }
    for (const auto& change : c.outlier->tick(now, samples)) {
      changed = true;
      EndpointStats& s = c.shared->endpoint(change.endpoint);
      if (change.ejected) {
        s.consecutive_5xx.store(0, std::memory_order_relaxed);
        s.consecutive_gateway.store(0, std::memory_order_relaxed);
        emit("upstream.endpoint_ejected", subjectOf(c, change.endpoint),
             fmt::format("ejected for {} ms (ejection {}): {}", toMillis(change.duration),
                         change.ejections, change.reason),
             {{"reason", change.reason},
              {"duration_ms", toMillis(change.duration)},
              {"ejections", change.ejections}});
      } else {
        c.endpoints[change.endpoint].available_since = now;
        emit("upstream.endpoint_returned", subjectOf(c, change.endpoint),
             "back from ejection; slow start", {{"ejections", change.ejections}});
      }
    }
  }
  if (changed) publish();
}

Result<std::string> UpstreamControl::drainEndpoint(std::string_view address, bool drain) {
  std::lock_guard<std::mutex> lock(mu_);
  int found = 0;
  for (auto& c : clusters_) {
    for (size_t i = 0; i < c.endpoints.size(); ++i) {
      const auto& ep = c.config->endpoints[i];
      if (ep.address_text != address && ep.address.toString() != address) continue;
      ++found;
      if (c.endpoints[i].draining == drain) continue;
      c.endpoints[i].draining = drain;
      if (!drain) c.endpoints[i].available_since = clock_.now();
      emit(drain ? "upstream.endpoint_draining" : "upstream.endpoint_undrained", subjectOf(c, i),
           drain ? "drained by an operator: no new requests"
                 : "taken back into service by an operator; slow start",
           {{"cluster", c.config->name}, {"endpoint", ep.address_text}, {"level", ep.level}});
    }
  }
  if (found == 0) {
    return Error{"no endpoint " + std::string(address) +
                 " in any cluster (give it as written in the config, e.g. 10.0.0.1:8080)"};
  }
  publish();
  return fmt::format("{} {} in {} cluster(s)", drain ? "draining" : "undrained", address, found);
}

void UpstreamControl::publish() {
  auto view = std::make_shared<UpstreamView>();
  view->config = config_;
  for (auto& c : clusters_) {
    auto health = std::make_shared<ClusterHealth>();
    size_t available = 0;
    for (size_t i = 0; i < c.endpoints.size(); ++i) {
      ClusterHealth::Endpoint e;
      e.healthy = c.endpoints[i].healthy;
      e.ejected = c.outlier->ejected(i);
      e.draining = c.endpoints[i].draining;
      e.available_since = c.endpoints[i].available_since;
      available += e.available();
      health->endpoints.push_back(e);
    }
    size_t total = c.endpoints.size();
    // Panic when no level has at least panic_threshold% of its endpoints available: a dead
    // primary with a healthy alternate is a failover, not a reason to spread onto the dead.
    std::vector<size_t> level_total(c.config->levels.size()), level_available(level_total.size());
    for (size_t i = 0; i < total; ++i) {
      auto l = static_cast<size_t>(c.config->endpoints[i].level);
      if (l >= level_total.size()) continue;
      ++level_total[l];
      level_available[l] += health->endpoints[i].available();
    }
    health->panic = total > 0;
    for (size_t l = 0; l < level_total.size(); ++l) {
      if (level_total[l] > 0 && level_available[l] * 100 >=
                                    level_total[l] * static_cast<size_t>(c.config->panic_threshold)) {
        health->panic = false;
      }
    }
    if (health->panic != c.panic) {
      c.panic = health->panic;
      emit(c.panic ? "upstream.panic" : "upstream.panic_over", c.config->name,
           c.panic ? fmt::format("only {} of {} endpoints available, every level below the panic "
                                 "threshold of {}%: spreading over all of them",
                                 available, total, c.config->panic_threshold)
                   : "enough endpoints available again",
           {{"available", available}, {"total", total}});
    }
    // Level transitions: a level with no available endpoint hands its traffic on.
    std::vector<bool> level_up(c.level_up.size());
    for (size_t l = 0; l < level_up.size(); ++l) level_up[l] = level_available[l] > 0;
    for (size_t l = 0; l < level_up.size(); ++l) {
      if (level_up[l] == c.level_up[l]) continue;
      c.level_up[l] = level_up[l];
      // Where its traffic goes now: the first lower level still up (-1: none is).
      int serving = -1;
      for (size_t n = l + 1; n < level_up.size() && serving < 0; ++n) {
        if (level_up[n]) serving = static_cast<int>(n);
      }
      emit(level_up[l] ? "upstream.level_restored" : "upstream.level_failover",
           fmt::format("{}/level-{}", c.config->name, l),
           level_up[l] ? "level available again; traffic returns over the slow-start window"
                       : "no endpoint available in this level: its traffic goes to the next "
                         "levels, within their capacity",
           {{"level", l},
            {"endpoints", level_total[l]},
            {"available", level_available[l]},
            {"next_level_serving", serving}});
    }
    c.health = health;
    view->clusters.push_back(ClusterRuntime{c.shared, health});
  }
  view_ = view;
  if (publish_) publish_(view);
}

std::string UpstreamControl::subjectOf(const ClusterControl& c, size_t endpoint) const {
  return c.config->name + "/" + c.config->endpoints[endpoint].address_text;
}

void UpstreamControl::emit(std::string_view kind, std::string_view subject, std::string message,
                           nlohmann::json details) {
  bool bad = kind.find("ejected") != std::string_view::npos ||
             kind.find("unhealthy") != std::string_view::npos ||
             kind.find("failover") != std::string_view::npos || kind == "upstream.panic";
  if (bad) {
    spdlog::warn("{} {}: {}", kind, subject, message);
  } else {
    spdlog::info("{} {}: {}", kind, subject, message);
  }
  if (sink_) sink_(kind, subject, message, details);
}

std::vector<ClusterTraffic> UpstreamControl::traffic() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ClusterTraffic> out;
  for (const auto& c : clusters_) {
    const ClusterCounters& k = c.shared->counters();
    ClusterTraffic t;
    t.cluster = c.config->name;
    t.downstream_requests = k.downstream_requests.load(std::memory_order_relaxed);
    t.upstream_attempts = k.upstream_attempts.load(std::memory_order_relaxed);
    t.retries = k.retries.load(std::memory_order_relaxed);
    t.failovers = k.failovers.load(std::memory_order_relaxed);
    t.shed = k.shed.load(std::memory_order_relaxed);
    out.push_back(t);
  }
  return out;
}

nlohmann::json UpstreamControl::snapshotJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  MonoTime now = clock_.now();
  nlohmann::json clusters = nlohmann::json::array();
  for (size_t ci = 0; ci < clusters_.size(); ++ci) {
    const ClusterControl& c = clusters_[ci];
    const ClusterCounters& k = c.shared->counters();
    nlohmann::json endpoints = nlohmann::json::array();
    for (size_t i = 0; i < c.endpoints.size(); ++i) {
      const auto& h = c.health->endpoints[i];
      EndpointStats& s = c.shared->endpoint(i);
      endpoints.push_back({
          {"address", c.config->endpoints[i].address_text},
          {"level", c.config->endpoints[i].level},
          {"available", h.available()},
          {"healthy", h.healthy},
          {"ejected", h.ejected},
          {"draining", h.draining},
          {"ejections", c.outlier->ejections(i)},
          {"weight", slowStartWeight(h.available_since, now, c.config->slow_start)},
          {"outstanding", s.outstanding.load(std::memory_order_relaxed)},
          {"requests", s.requests.load(std::memory_order_relaxed)},
          {"failures", s.failures.load(std::memory_order_relaxed)},
          {"last_check", c.endpoints[i].last_check},
      });
    }
    nlohmann::json levels = nlohmann::json::array();
    for (size_t l = 0; l < c.config->levels.size(); ++l) {
      levels.push_back({{"level", l},
                        {"available", c.level_up[l]},
                        {"capacity_rps", c.config->levels[l].requests_per_second},
                        {"concurrency", c.config->levels[l].concurrency},
                        {"in_flight", c.shared->gate(l).inFlight()}});
    }
    uint64_t down = k.downstream_requests.load(std::memory_order_relaxed);
    uint64_t attempts = k.upstream_attempts.load(std::memory_order_relaxed);
    clusters.push_back({
        {"name", c.config->name},
        {"panic", c.panic},
        {"levels", levels},
        {"endpoints", endpoints},
        {"downstream_requests", down},
        {"upstream_attempts", attempts},
        {"amplification", down == 0 ? 0.0 : static_cast<double>(attempts) / down},
        {"retries", k.retries.load(std::memory_order_relaxed)},
        {"retries_refused_by_budget", k.retries_refused_by_budget.load(std::memory_order_relaxed)},
        {"failovers", k.failovers.load(std::memory_order_relaxed)},
        {"shed", k.shed.load(std::memory_order_relaxed)},
        {"shed_by_class",
         {{"known_good", k.shed_by_class[0].load(std::memory_order_relaxed)},
          {"unknown", k.shed_by_class[1].load(std::memory_order_relaxed)},
          {"suspicious", k.shed_by_class[2].load(std::memory_order_relaxed)}}},
    });
  }
  return {{"clusters", clusters}};
}

}  // namespace floodgate::upstream
