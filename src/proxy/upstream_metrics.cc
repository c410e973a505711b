#include "proxy/upstream_metrics.h"

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

constexpr const char* kClasses[] = {"known_good", "unknown", "suspicious"};

double flag(const nlohmann::json& j, const char* key) { return j.value(key, false) ? 1 : 0; }
double number(const nlohmann::json& j, const char* key) { return j.value(key, 0.0); }

}  // namespace

void UpstreamMetrics::gauge(std::string_view name, std::string_view help,
                            const telemetry::Labels& labels, double value) {
  registry_->gauge(name, help, labels)->set(value);
}

// The control side keeps the totals; the series reads the value of the last refresh.
void UpstreamMetrics::counter(std::string_view name, std::string_view help,
                              const telemetry::Labels& labels, double value) {
  registry_->callback(name, help, telemetry::MetricType::kCounter, labels,
                      [value] { return value; });
}

void UpstreamMetrics::refresh(const upstream::UpstreamControl& control) {
  nlohmann::json snapshot = control.snapshotJson();
  for (const auto& c : snapshot["clusters"]) {
    std::string cluster = c.value("name", "");
    std::vector<double> level_available(c["levels"].size(), 0);
    for (const auto& e : c["endpoints"]) {
      std::string level = std::to_string(e.value("level", 0));
      telemetry::Labels labels = {
          {"cluster", cluster}, {"endpoint", e.value("address", "")}, {"level", level}};
      gauge(names::kEndpointHealthy, "1 while the endpoint passes its active health checks.",
            labels, flag(e, "healthy"));
      gauge(names::kEndpointEjected, "1 while outlier detection keeps the endpoint out.", labels,
            flag(e, "ejected"));
      gauge(names::kEndpointDraining, "1 while an operator drains the endpoint.", labels,
            flag(e, "draining"));
      counter(names::kEjections, "Times outlier detection ejected the endpoint.",
              {{"cluster", cluster}, {"endpoint", e.value("address", "")}},
              number(e, "ejections"));
      auto l = static_cast<size_t>(e.value("level", 0));
      if (l < level_available.size()) level_available[l] += flag(e, "available");
    }
    for (size_t l = 0; l < level_available.size(); ++l) {
      gauge(names::kLevelHealthy,
            "Endpoints of the level able to take traffic (healthy, not ejected, not draining).",
            {{"cluster", cluster}, {"level", std::to_string(l)}}, level_available[l]);
    }
    telemetry::Labels labels = {{"cluster", cluster}};
    counter(names::kFailovers, "Requests served by a level other than the first (a failover).",
            labels, number(c, "failovers"));
    counter(names::kRetries, "Retries sent upstream (within the retry budget).", labels,
            number(c, "retries"));
    for (const char* cls : kClasses) {
      counter(names::kShed,
              "Requests answered 503 at the edge because no level had room, by priority class.",
              {{"cluster", cluster}, {"class", cls}}, number(c["shed_by_class"], cls));
    }
    gauge(names::kPanic, "1 while too few endpoints are available and traffic spreads over all.",
          labels, flag(c, "panic"));
  }
}

}  // namespace floodgate::proxy
