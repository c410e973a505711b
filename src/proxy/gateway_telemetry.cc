#include "proxy/gateway_telemetry.h"

#include "telemetry/metric_names.h"
#include "telemetry/process_stats.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;
using telemetry::MetricType;

constexpr shield::RuleAction kActions[] = {
    shield::RuleAction::kBlock, shield::RuleAction::kChallenge, shield::RuleAction::kRateLimit,
    shield::RuleAction::kDeprioritise};
constexpr shield::FindingKind kFindingKinds[] = {
    shield::FindingKind::kVolumeAnomaly, shield::FindingKind::kHeavySource,
    shield::FindingKind::kHeavyPrefix, shield::FindingKind::kHeavyFingerprint,
    shield::FindingKind::kOriginStress};

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void registerGatewayMetrics(telemetry::Registry* registry, const ShieldState* shield,
                            const DefenseLoop* defense) {
  registry->callback(names::kConnectionsActive, "Client connections open now.", MetricType::kGauge,
                     {}, [shield] { return static_cast<double>(shield->liveConnections()); });
  for (int i = 0; i < static_cast<int>(Rejection::kCount); ++i) {
    auto r = static_cast<Rejection>(i);
    registry->callback(names::kRejections, "Connections and requests the shield refused.",
                       MetricType::kCounter,
                       {{"stage", rejectionStage(r)}, {"reason", rejectionName(r)}},
                       [shield, r] { return static_cast<double>(shield->total(r)); });
  }
  for (auto action : kActions) {
    registry->callback(names::kRules, "Mitigation rules in force, by action.", MetricType::kGauge,
                       {{"action", shield::ruleActionName(action)}}, [defense, action] {
                         return static_cast<double>(defense->rulesWithAction(action));
                       });
  }
  for (auto kind : kFindingKinds) {
    registry->callback(names::kFindings, "Findings of the detector, by kind.", MetricType::kCounter,
                       {{"kind", shield::findingKindName(kind)}},
                       [defense, kind] { return static_cast<double>(defense->findings(kind)); });
  }
  registry->callback(names::kControlTick, "Duration of the last defense tick.", MetricType::kGauge,
                     {}, [defense] { return defense->lastTickSeconds(); });
  registry->callback(names::kResidentMemory, "Resident memory of the process.", MetricType::kGauge,
                     {}, [] { return static_cast<double>(telemetry::residentMemoryBytes()); });
}

void registerShieldMetrics(telemetry::Registry* registry, const ShieldState* shield,
                           const DefenseLoop* defense,
                           std::function<std::vector<std::string>()> clusters) {
  using shield::PriorityClass;
  constexpr PriorityClass kClasses[] = {PriorityClass::kKnownGood, PriorityClass::kUnknown,
                                        PriorityClass::kSuspicious};
  struct ByClass {
    std::string_view name;
    const char* help;
    ShieldState::ByClass field;
  };
  const ByClass by_class[] = {
      {names::kRequestsByClass, "Requests the shield admitted, by priority class.",
       &ShieldCounters::by_class},
      {names::kOriginQueued, "Requests that waited for a slot toward the origin, by class.",
       &ShieldCounters::queued_by_class},
      {names::kOriginShed, "Requests shed with 503 for want of an origin slot, by class.",
       &ShieldCounters::shed_by_class},
      {names::kOriginTimeouts, "Of the shed, those that waited and got no slot in time, by class.",
       &ShieldCounters::timeout_by_class},
  };
  for (const auto& series : by_class) {
    for (auto c : kClasses) {
      registry->callback(series.name, series.help, MetricType::kCounter,
                         {{"class", shield::priorityClassName(c)}},
                         [shield, field = series.field, c] {
                           return static_cast<double>(shield->totalByClass(field, c));
                         });
    }
  }
  const std::pair<const char*, std::atomic<uint64_t> ShieldCounters::*> outcomes[] = {
      {"issued", &ShieldCounters::challenge_issued},
      {"passed", &ShieldCounters::challenge_passed},
      {"failed", &ShieldCounters::challenge_failed}};
  for (const auto& [outcome, field] : outcomes) {
    registry->callback(names::kChallenges,
                       "Challenges: issued (302 with a cookie), passed (a valid cookie came back), "
                       "failed (a cookie that did not verify, or a 403 for a non-GET).",
                       MetricType::kCounter, {{"outcome", outcome}},
                       [shield, field] { return static_cast<double>(shield->totalOf(field)); });
  }
  registry->callback(names::kTarpitHolds,
                     "Keep-alive connections left unread until their Retry-After, after "
                     "shield.tarpit_after 429s or challenges in a row.",
                     MetricType::kCounter, {}, [shield] {
                       return static_cast<double>(shield->totalOf(&ShieldCounters::tarpit_holds));
                     });
  registry->callbackFamily(
      names::kAdaptiveLimit, "Origin protection's concurrency limit toward each cluster now.",
      MetricType::kGauge, [shield, clusters = std::move(clusters)] {
        telemetry::Registry::Samples out;
        std::vector<std::string> list = clusters();
        for (size_t i = 0; i < list.size() && i < ShieldState::kMaxGuardedClusters; ++i) {
          out.push_back({{{"cluster", list[i]}},
                         static_cast<double>(shield->originLimit(static_cast<int>(i)))});
        }
        return out;
      });
  registry->callbackFamily(
      names::kTopOffenders,
      "The heaviest sources and prefixes of the last detector tick (at most 10 of each), in "
      "requests/s.",
      MetricType::kGauge, [defense] {
        telemetry::Registry::Samples out;
        for (const auto& o : defense->topOffenders()) {
          out.push_back({{{"kind", o.kind}, {"source", o.name}}, o.rate});
        }
        return out;
      });
  registry->callback(names::kDetectorMemory,
                     "Memory the detector holds (baselines, key rates, active findings).",
                     MetricType::kGauge, {},
                     [defense] { return static_cast<double>(defense->detectorMemoryBytes()); });
}

void AmplificationWindow::update(telemetry::Registry& registry, const config::Config& config) {
  for (const auto& c : config.clusters) {
    telemetry::Labels labels = {{"cluster", c.name}};
    auto& window = totals_[c.name];
    // A new series starts from zero: the first window covers everything since then.
    if (window.empty()) window.emplace_back(0, 0);
    window.emplace_back(registry.sum(names::kUpstreamAttempts, labels),
                        registry.sum(names::kDownstreamRequests, labels));
    if (window.size() > kWindow + 1) window.pop_front();
    double attempts = window.back().first - window.front().first;
    double requests = window.back().second - window.front().second;
    registry
        .gauge(names::kAmplification,
               "Upstream attempts per downstream request over the last 10 s (retries included).",
               labels)
        ->set(requests > 0 ? attempts / requests : 0);
  }
}

nlohmann::json describeShield(const ShieldState& shield, const DefenseLoop& defense,
                              const config::Config& config) {
  nlohmann::json rejections = nlohmann::json::object();
  for (int i = 0; i < static_cast<int>(Rejection::kCount); ++i) {
    auto r = static_cast<Rejection>(i);
    rejections[rejectionStage(r)][rejectionName(r)] = shield.total(r);
  }
  nlohmann::json out = defense.describe();
  out["enabled"] = config.shield.enabled;
  out["detect"] = config.shield.detect;
  out["rejections"] = std::move(rejections);
  out["connections"] = {{"active", shield.liveConnections()}, {"budget", shield.budget()}};
  out["config_blocklist_entries"] = config.shield.blocklist.size();
  return out;
}

nlohmann::json describeConfig(const config::Config& config) {
  nlohmann::json listeners = nlohmann::json::array();
  for (const auto& l : config.listeners) {
    listeners.push_back({{"name", l.name}, {"address", l.address_text}, {"workers", l.workers}});
  }
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : config.routes) {
    nlohmann::json j = {{"name", r.name}, {"host", r.host}, {"path_prefix", r.path_prefix}};
    if (r.direct) {
      j["direct_response"] = {{"status", r.direct->status}};
    } else {
      j["cluster"] = r.cluster;
    }
    routes.push_back(std::move(j));
  }
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& c : config.clusters) {
    nlohmann::json endpoints = nlohmann::json::array();
    for (const auto& e : c.endpoints) endpoints.push_back(e.address_text);
    clusters.push_back({{"name", c.name},
                        {"endpoints", std::move(endpoints)},
                        {"connect_timeout_s", seconds(c.connect_timeout)},
                        {"request_timeout_s", seconds(c.request_timeout)},
                        {"max_connections", c.max_connections}});
  }
  const auto& s = config.shield;
  return {{"source", config.source},
          {"workers", config.workerThreads()},
          {"listeners", std::move(listeners)},
          {"routes", std::move(routes)},
          {"clusters", std::move(clusters)},
          {"shield",
           {{"enabled", s.enabled},
            {"detect", s.detect},
            {"blocklist_entries", s.blocklist.size()},
            {"max_connections_per_source", s.max_connections_per_source},
            {"new_connections_per_source", s.new_connections_per_source},
            {"connection_budget", s.connection_budget},
            {"rate_limits", s.rate_limits.size()}}},
          {"admin", {{"listen", config.admin.listen_text}, {"token", !config.admin.token.empty()}}},
          {"drain_timeout_s", seconds(config.drain_timeout)}};
}

}  // namespace floodgate::proxy
