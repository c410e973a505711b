#include "proxy/upstream_metrics.h"

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

constexpr const char* kClasses[] = {"known_good", "unknown", "suspicious"};

double flag(const nlohmann::json& j, const char* key) { return j.value(key, false) ? 1 : 0; }
double number(const nlohmann::json& j, const char* key) { return j.value(key, 0.0); }

struct Family {
  std::string_view name;
  telemetry::MetricType type;
  const char* help;
};
constexpr telemetry::MetricType kGauge = telemetry::MetricType::kGauge;
constexpr telemetry::MetricType kCounter = telemetry::MetricType::kCounter;
// The control side keeps the totals; a counter reads the value of the last refresh.
constexpr Family kFamilies[] = {
    {names::kEndpointHealthy, kGauge, "1 while the endpoint passes its active health checks."},
    {names::kEndpointEjected, kGauge, "1 while outlier detection keeps the endpoint out."},
    {names::kEndpointDraining, kGauge, "1 while an operator drains the endpoint."},
    {names::kEjections, kCounter, "Times outlier detection ejected the endpoint."},
    {names::kLevelHealthy, kGauge,
     "Endpoints of the level able to take traffic (healthy, not ejected, not draining)."},
    {names::kFailovers, kCounter, "Requests served by a level other than the first (a failover)."},
    {names::kRetries, kCounter, "Retries sent upstream (within the retry budget)."},
    {names::kShed, kCounter,
     "Requests answered 503 at the edge because no level had room, by priority class."},
    {names::kPanic, kGauge,
     "1 while too few endpoints are available and traffic spreads over all."},
};

}  // namespace

UpstreamMetrics::UpstreamMetrics(telemetry::Registry* registry) {
  for (const Family& f : kFamilies) {
    registry->callbackFamily(f.name, f.help, f.type, [last = last_, name = f.name] {
      return last->read(name);
    });
  }
}

void UpstreamMetrics::refresh(const upstream::UpstreamControl& control) {
  nlohmann::json snapshot = control.snapshotJson();
  auto next = std::make_shared<Snapshot>();
  auto add = [&](std::string_view name, telemetry::Labels labels, double value) {
    (*next)[std::string(name)].emplace_back(std::move(labels), value);
  };
  for (const auto& c : snapshot["clusters"]) {
    std::string cluster = c.value("name", "");
    std::vector<double> level_available(c["levels"].size(), 0);
    for (const auto& e : c["endpoints"]) {
      std::string endpoint = e.value("address", "");
      telemetry::Labels labels = {
          {"cluster", cluster}, {"endpoint", endpoint}, {"level", std::to_string(e.value("level", 0))}};
      add(names::kEndpointHealthy, labels, flag(e, "healthy"));
      add(names::kEndpointEjected, labels, flag(e, "ejected"));
      add(names::kEndpointDraining, labels, flag(e, "draining"));
      add(names::kEjections, {{"cluster", cluster}, {"endpoint", endpoint}}, number(e, "ejections"));
      auto l = static_cast<size_t>(e.value("level", 0));
      if (l < level_available.size()) level_available[l] += flag(e, "available");
    }
    for (size_t l = 0; l < level_available.size(); ++l) {
      add(names::kLevelHealthy, {{"cluster", cluster}, {"level", std::to_string(l)}},
          level_available[l]);
    }
    add(names::kFailovers, {{"cluster", cluster}}, number(c, "failovers"));
    add(names::kRetries, {{"cluster", cluster}}, number(c, "retries"));
    for (const char* cls : kClasses) {
      add(names::kShed, {{"cluster", cluster}, {"class", cls}}, number(c["shed_by_class"], cls));
    }
    add(names::kPanic, {{"cluster", cluster}}, flag(c, "panic"));
  }
  last_->replace(std::move(next));
}

telemetry::Registry::Samples UpstreamMetrics::Last::read(std::string_view name) const {
  std::shared_ptr<const Snapshot> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu);
    snapshot = current;
  }
  auto it = snapshot->find(name);
  return it == snapshot->end() ? Samples() : it->second;
}

void UpstreamMetrics::Last::replace(std::shared_ptr<const Snapshot> next) {
  std::lock_guard<std::mutex> lock(mu);
  current = std::move(next);
}

}  // namespace floodgate::proxy
