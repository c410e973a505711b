#include "proxy/defense_loop.h"

#include <memory>

#include "core/log.h"
#include "proxy/worker.h"

namespace floodgate::proxy {
namespace {

constexpr Duration kCollectWait = milliseconds(300);

shield::DetectorConfig detectorConfig() {
  shield::DetectorConfig config;
  // Judge after five seconds of traffic: a gateway started in front of an attack in progress
  // must not spend twenty seconds learning it as normal.
  config.warmup_ticks = 5;
  // No block without an anomaly: a single busy client of a healthy service (an API consumer
  // behind one NAT address, a load test) is not an attack, and blocking it would be the
  // defense doing the harm.
  config.source.absolute_rate = 0;
  return config;
}

shield::ProposalConfig proposalConfig() {
  // A heavy fingerprint is challenged (ProposalConfig's default): clients that keep cookies
  // pass, flood tools do not.
  return shield::ProposalConfig{};
}

// One tick's hand-over: workers fill it from their own threads; the loop reads it under the
// lock once all have answered or the wait is over. Shared, so a late worker never writes into
// a finished tick's memory.
struct Handoff {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<shield::WorkerObservation*> filled;
  size_t answered = 0;
  bool closed = false;
};

}  // namespace

DefenseLoop::DefenseLoop(std::vector<Worker*> workers, ShieldState* state, Duration tick)
    : workers_(std::move(workers)),
      state_(state),
      tick_(tick),
      detector_(detectorConfig(), &state->knownGood()),
      merged_(state->observationConfig()) {}

DefenseLoop::~DefenseLoop() { stop(); }

void DefenseLoop::start() {
  thread_ = std::thread([this] { run(); });
}

void DefenseLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DefenseLoop::run() {
  MonoTime next = MonoClock::now() + tick_;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    tick(MonoClock::now());
    if (tick_listener_) tick_listener_(merged_, detector_.status().anomaly, rules_.size());
    lock.lock();
    next += tick_;
    if (next < MonoClock::now()) next = MonoClock::now() + tick_;  // a slow tick: do not chase
  }
}

void DefenseLoop::collect() {
  auto handoff = std::make_shared<Handoff>();
  handoff->filled.assign(workers_.size(), nullptr);
  for (size_t i = 0; i < workers_.size(); ++i) {
    Worker* w = workers_[i];
    w->loop().post([w, i, handoff] {
      std::lock_guard<std::mutex> lock(handoff->mu);
      if (handoff->closed) return;  // too late for this tick: keep observing into the same one
      handoff->filled[i] = w->rotateObservation();
      ++handoff->answered;
      handoff->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(handoff->mu);
  handoff->cv.wait_for(lock, kCollectWait,
                       [&] { return handoff->answered == workers_.size(); });
  handoff->closed = true;
  if (handoff->answered < workers_.size()) {
    spdlog::warn("defense: {} of {} workers did not answer within {} ms; ticking without them",
                 workers_.size() - handoff->answered, workers_.size(), toMillis(kCollectWait));
  }
  merged_.reset();
  for (shield::WorkerObservation* obs : handoff->filled) {
    if (obs == nullptr) continue;
    // The worker observes into its other buffer until the next tick asks again.
    (void)merged_.merge(*obs);
    obs->reset();
  }
}

void DefenseLoop::tick(MonoTime now) {
  MonoTime started = MonoClock::now();
  collect();
  std::vector<shield::Finding> findings = detector_.tick(merged_, now);
  ticks_.fetch_add(1, std::memory_order_relaxed);
  state_->setAnomalyActive(detector_.status().anomaly);
  state_->tuneOriginLimits();
  spdlog::debug("defense tick: {} requests ({} known-good), anomaly {}, {} findings, {:.0f} us",
                merged_.totalRequests(), merged_.knownGoodRequests(), detector_.status().anomaly,
                findings.size(), detector_.stats().last_tick_us);
  for (const auto& finding : findings) {
    spdlog::warn("detector: {}", finding.evidence);
    if (finding.started_at == now) recordFinding(finding);
    if (auto rule = shield::proposeRule(finding, now, proposalConfig())) adopt(*rule, now);
  }
  publish(now);
  summarise(now);
  last_tick_seconds_.store(std::chrono::duration<double>(MonoClock::now() - started).count(),
                           std::memory_order_relaxed);
}

// A finding that began this tick (one that goes on is logged, not recorded again each second).
void DefenseLoop::recordFinding(const shield::Finding& finding) {
  findings_by_kind_[static_cast<size_t>(finding.kind) % kFindingKinds].fetch_add(
      1, std::memory_order_relaxed);
  nlohmann::json evidence = {{"kind", shield::findingKindName(finding.kind)},
                             {"rate", finding.rate},
                             {"baseline", finding.baseline},
                             {"share", finding.share},
                             {"threshold", finding.threshold}};
  std::string subject =
      finding.series.empty() ? shield::findingKindName(finding.kind) : finding.series;
  if (finding.kind == shield::FindingKind::kHeavySource) subject = finding.source.toString();
  if (finding.kind == shield::FindingKind::kHeavyPrefix) subject = finding.prefix.toString();
  recent_findings_.push_back(
      {{"kind", evidence["kind"]}, {"subject", subject}, {"evidence", finding.evidence}});
  if (recent_findings_.size() > kRecentFindings) recent_findings_.pop_front();
  event("finding", subject, finding.evidence, std::move(evidence));
}

void DefenseLoop::event(std::string kind, std::string subject, std::string message,
                        nlohmann::json evidence) {
  if (events_ != nullptr) {
    events_->push(std::move(kind), std::move(subject), std::move(message), std::move(evidence));
  }
}

void DefenseLoop::summarise(MonoTime now) {
  size_t by_action[kActions] = {};
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& [key, rule] : rules_) {
    ++by_action[static_cast<size_t>(rule.action) % kActions];
    nlohmann::json r = {{"id", rule.id},
                        {"action", shield::ruleActionName(rule.action)},
                        {"match", key},
                        {"origin", shield::ruleOriginName(rule.origin)},
                        {"evidence", rule.evidence}};
    if (rule.action == shield::RuleAction::kRateLimit) r["rate"] = rule.rate;
    if (rule.expires_at != MonoTime::max()) {
      r["expires_in_s"] = std::chrono::duration<double>(rule.expires_at - now).count();
    }
    rules.push_back(std::move(r));
  }
  for (size_t a = 0; a < kActions; ++a) {
    rules_by_action_[a].store(by_action[a], std::memory_order_relaxed);
  }
  nlohmann::json top = nlohmann::json::array();
  for (const auto& hitter : merged_.sources().top(10)) {
    top.push_back({{"source", hitter.payload.toString()}, {"requests", hitter.count}});
  }
  const auto& status = detector_.status();
  nlohmann::json summary = {{"rules", std::move(rules)},
                            {"recent_findings", nlohmann::json(recent_findings_)},
                            {"top_sources", std::move(top)},
                            {"detector",
                             {{"anomaly", status.anomaly},
                              {"origin_stress", status.origin_stress},
                              {"flash_crowd", status.flash_crowd},
                              {"ticks", detector_.stats().ticks},
                              {"last_tick_us", detector_.stats().last_tick_us},
                              {"memory_bytes", detector_.memoryBytes()}}},
                            {"requests_last_tick", merged_.totalRequests()}};
  std::lock_guard<std::mutex> lock(summary_mu_);
  summary_ = std::move(summary);
}

nlohmann::json DefenseLoop::describe() const {
  std::lock_guard<std::mutex> lock(summary_mu_);
  return summary_;
}

void DefenseLoop::adopt(const shield::MitigationRule& proposal, MonoTime now) {
  std::string key = proposal.match.describe();
  auto it = rules_.find(key);
  if (it != rules_.end() && it->second.expires_at > now) {
    if (proposal.expires_at > it->second.expires_at) {
      it->second.expires_at = proposal.expires_at;  // the attack goes on: so does the rule
      dirty_ = true;
    }
    return;
  }
  shield::MitigationRule rule = proposal;
  rule.id = next_rule_id_++;
  spdlog::warn("rule #{} enforced: {} {} (evidence: {})", rule.id,
               shield::ruleActionName(rule.action), key, rule.evidence);
  event("rule.enforced", key,
        fmt::format("rule #{} enforced: {} {}", rule.id, shield::ruleActionName(rule.action), key),
        {{"id", rule.id},
         {"action", shield::ruleActionName(rule.action)},
         {"ttl_s", std::chrono::duration<double>(rule.expires_at - now).count()},
         {"evidence", rule.evidence}});
  rules_[key] = std::move(rule);
  dirty_ = true;
}

void DefenseLoop::publish(MonoTime now) {
  for (auto it = rules_.begin(); it != rules_.end();) {
    if (it->second.expires_at <= now) {
      spdlog::info("rule #{} expired: {}", it->second.id, it->first);
      event("rule.expired", it->first,
            fmt::format("rule #{} expired: {}", it->second.id, it->first),
            {{"id", it->second.id}, {"action", shield::ruleActionName(it->second.action)}});
      it = rules_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
  if (!dirty_) return;
  std::vector<shield::MitigationRule> list;
  shield::BlocklistBuilder blocks;
  for (const auto& [key, rule] : rules_) {
    list.push_back(rule);
    // A blocked source is also refused at accept: the cheapest place to say no.
    if (rule.action == shield::RuleAction::kBlock && rule.match.source &&
        !rule.match.fingerprint && rule.match.path_prefix.empty() &&
        rule.match.method.empty() && rule.match.header_name.empty()) {
      blocks.add(*rule.match.source, rule.expires_at, shield::BlockOrigin::kDetector,
                 "rule #" + std::to_string(rule.id));
    }
  }
  auto rule_set = shield::RuleSet::compile(std::move(list), now);
  auto blocklist = blocks.build();
  for (Worker* w : workers_) w->swapRules(rule_set, blocklist);
  dirty_ = false;
  rule_count_.store(rules_.size(), std::memory_order_relaxed);
}

}  // namespace floodgate::proxy
