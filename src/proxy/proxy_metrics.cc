#include "proxy/proxy_metrics.h"

#include <atomic>

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

constexpr const char* kClassNames[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
// Requests refused or unroutable before a route was known.
constexpr const char* kNoRoute = "none";

std::atomic<uint64_t> next_generation{1};

}  // namespace

ProxyMetrics::ProxyMetrics(const config::Config& config, telemetry::Registry* registry)
    : generation_(next_generation.fetch_add(1)) {
  if (registry == nullptr) return;
  std::vector<std::string> routes = {kNoRoute};
  for (const auto& r : config.routes) routes.push_back(r.name);
  for (const auto& route : routes) {
    durations_.push_back(registry->histogram(names::kRequestDuration,
                                             "Time from a request's head to the end of its answer.",
                                             {{"route", route}}));
  }
  for (const auto& l : config.listeners) {
    listener_keys_.push_back(l.address.toString());
    auto& by_route = requests_.emplace_back();
    for (const auto& route : routes) {
      auto& by_class = by_route.emplace_back();
      for (const char* code : kClassNames) {
        by_class.push_back(registry->counter(
            names::kRequests, "Requests answered, by listener, route and status class.",
            {{"listener", l.name}, {"route", route}, {"code", code}}));
      }
    }
  }
  for (const auto& c : config.clusters) {
    telemetry::Labels labels = {{"cluster", c.name}};
    attempts_.push_back(registry->counter(names::kUpstreamAttempts,
                                          "Attempts to send a request upstream, retries included.",
                                          labels));
    downstream_.push_back(registry->counter(names::kDownstreamRequests,
                                            "Client requests sent to a cluster.", labels));
    upstream_durations_.push_back(
        registry->histogram(names::kUpstreamDuration,
                            "Time from a request's head to the upstream's response head.", labels));
  }
}

int ProxyMetrics::listenerIndex(std::string_view key) const {
  for (size_t i = 0; i < listener_keys_.size(); ++i) {
    if (listener_keys_[i] == key) return static_cast<int>(i);
  }
  return -1;
}

void ProxyMetrics::countRequest(int shard, int listener, int route, int status, bool timed,
                                Duration duration) const {
  if (requests_.empty()) return;
  // A listener a reload removed still finishes its requests: count them under the first.
  size_t l = listener >= 0 && static_cast<size_t>(listener) < requests_.size()
                 ? static_cast<size_t>(listener)
                 : 0;
  size_t r = route >= 0 && static_cast<size_t>(route) + 1 < durations_.size()
                 ? static_cast<size_t>(route) + 1
                 : 0;
  int cls = status / 100 - 1;
  if (cls < 0 || cls >= kClasses) cls = kClasses - 1;  // never sent: call it a server error
  requests_[l][r][static_cast<size_t>(cls)]->add(shard);
  if (timed) durations_[r]->observe(shard, duration);
}

void ProxyMetrics::countUpstream(int shard, int cluster, int attempts, bool answered,
                                 Duration to_head) const {
  if (cluster < 0 || static_cast<size_t>(cluster) >= attempts_.size()) return;
  size_t c = static_cast<size_t>(cluster);
  attempts_[c]->add(shard, static_cast<uint64_t>(attempts));
  downstream_[c]->add(shard);
  if (answered) upstream_durations_[c]->observe(shard, to_head);
}

}  // namespace floodgate::proxy
