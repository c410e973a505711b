#include "proxy/defense_loop.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/log.h"
#include "proxy/worker.h"
#include "shield/blocklist.h"

namespace floodgate::proxy {
namespace {

constexpr Duration kCollectWait = milliseconds(300);
// A governed block goes to the kernel once it has been enforced on everyone for this long. Its
// first seconds stay in user space, where each refused request is seen: the governor's windows
// judge a young rule by what it refuses, and a source cut off at the SYN stops sending, so a
// rule dropped in the kernel at once would leave no evidence of what it mitigated.
constexpr Duration kRuleKernelAfter = std::chrono::seconds(10);

shield::DetectorConfig detectorConfig(Duration tick) {
  shield::DetectorConfig config;
  // Judge after five seconds of traffic: a gateway started in front of an attack in progress
  // must not spend twenty seconds learning it as normal.
  config.warmup_ticks = 5;
  // No block without an anomaly: a single busy client of a healthy service (an API consumer
  // behind one NAT address, a load test) is not an attack, and blocking it would be the
  // defense doing the harm.
  config.source.absolute_rate = 0;
  return shield::scaledToTick(config, tick);
}

// Escalation counts ticks over the rate; its `escalate_after` and `defy_after` are numbers of
// 1 s ticks.
config::KernelDrop ticksFor(config::KernelDrop config, Duration tick) {
  config.escalate_after =
      static_cast<int>(ticksIn(std::chrono::seconds(config.escalate_after), tick));
  config.defy_after = static_cast<int>(ticksIn(std::chrono::seconds(config.defy_after), tick));
  return config;
}

// The sources' escalation: one address is all or nothing, so no probation.
config::KernelDrop escalationFor(config::KernelDrop config, Duration tick) {
  config.prefix_probation = 0;
  return ticksFor(config, tick);
}

// The networks' escalation: the same ladder on the prefix_ settings.
config::KernelDrop prefixEscalationFor(config::KernelDrop config, Duration tick) {
  config.escalate = config.escalate && config.escalate_prefixes;
  config.escalate_rate = config.prefix_rate;
  // prefix_after is a duration, not seconds: ticks straight from it (at least one). A network
  // defies no hold: defy_after is unused.
  config.escalate_after = config.defy_after =
      std::max(1, static_cast<int>(ticksIn(config.prefix_after, tick)));
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

DefenseLoop::DefenseLoop(std::vector<Worker*> workers, ShieldState* state,
                         governor::Governor* governor, Duration tick)
    : workers_(std::move(workers)),
      state_(state),
      tick_(tick),
      detector_(detectorConfig(tick), &state->knownGood()),
      // A second of calm known-good traffic before an unknown word-like key is shaped: the
      // regulars' keys are each sent hundreds of times in it (a key sent rarer than 3 times a
      // tick is not learned; its requests share {key} with random ones, and a rule on that
      // shape is narrowed to spare them by the collateral gate).
      query_keys_(ticksIn(std::chrono::seconds(1), tick)),
      merged_(state->observationConfig()),
      governor_(governor),
      no_blocks_(shield::BlocklistBuilder().build()),
      watchdog_(tick * 3, MonoClock::now()) {
  setEscalation(config::KernelDrop{});
}

void DefenseLoop::setEscalation(const config::KernelDrop& config) {
  escalation_.setConfig(escalationFor(config, tick_));
  config::KernelDrop networks = prefixEscalationFor(config, tick_);
  // Without the kernel there is no sample to let through: a network is let go whole.
  if (kernel_ == nullptr || !kernel_->active()) networks.prefix_probation = 0;
  network_escalation_.setConfig(networks);
  prefix_share_ = config.prefix_share;
  probation_mask_ = networks.prefix_probation > 1
                        ? static_cast<uint16_t>(networks.prefix_probation - 1)
                        : 0;
}

DefenseLoop::~DefenseLoop() { stop(); }

void DefenseLoop::start() {
  (void)watchdog_.tickDone(MonoClock::now());
  thread_ = std::thread([this] { run(); });
  watchdog_thread_ = std::thread([this] { watch(); });
}

void DefenseLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watchdog_thread_.joinable()) watchdog_thread_.join();
}

void DefenseLoop::watch() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, tick_, [this] { return stopping_; })) {
    MonoTime now = MonoClock::now();
    if (watchdog_.check(now) == TickWatchdog::Change::kStalled) {
      spdlog::error("defense: the control tick has not finished for {} ms; workers keep the last "
                    "rules snapshot (fail static) until it does",
                    toMillis(watchdog_.overdue(now)));
    }
  }
}

void DefenseLoop::run() {
  MonoTime next = MonoClock::now() + tick_;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    tick(MonoClock::now());
    if (tick_listener_) tick_listener_(merged_, detector_.status().anomaly, rule_count_.load(std::memory_order_relaxed));
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
  state_->setAnomalyActive(detector_.status().anomaly);
  // Origin protection's controller steps once a second (its grow and cut steps are per second).
  if (now - last_tuned_ + milliseconds(100) >= std::chrono::seconds(1)) {
    state_->tuneOriginLimits();
    last_tuned_ = now;
  }
  const Duration elapsed = last_tick_ == MonoTime{} ? tick_ : now - last_tick_;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  for (const auto& finding : findings) {
    spdlog::warn("detector: {}", finding.evidence);
    if (finding.started_at == now) recordFinding(finding);
    auto rule = shield::proposeRule(finding, now, proposalConfig());
    if (!rule) continue;
    // The detector counted what a rule on this one address, or this one fingerprint, would have
    // matched this tick, and how much of it came from known-good clients (an address is
    // known-good or not; a fingerprint's known-good requests have a sketch of their own, which
    // never undercounts): the shadow's evidence, already in hand. For a fingerprint only when
    // the rule challenges: an overcount then at worst narrows it to spare known-good clients,
    // where a rate limit's collateral gate could refuse it outright.
    const bool seen_whole =
        finding.kind == shield::FindingKind::kHeavySource ||
        (finding.kind == shield::FindingKind::kHeavyFingerprint &&
         rule->action == shield::RuleAction::kChallenge);
    if (seen_whole) {
      shield::RuleCounts seen;
      seen.matched = static_cast<uint64_t>(finding.rate * seconds + 0.5);
      if (finding.kind == shield::FindingKind::kHeavyFingerprint) {
        seen.matched_known_good =
            std::min(seen.matched, merged_.knownGoodWithFingerprint(finding.fingerprint));
      } else if (state_->knownGood().isKnownGood(finding.source, now)) {
        seen.matched_known_good = seen.matched;
      }
      governor_->propose(*rule, finding.rate, now, &seen, elapsed);
    } else {
      governor_->propose(*rule, finding.rate, now);
    }
  }
  const shield::Detector::Status& status = detector_.status();
  governor::TickSignals signals;
  signals.anomaly = status.anomaly;
  signals.origin_stress = status.origin_stress;
  signals.origin_attempts = merged_.originAttempts();
  signals.origin_failures = merged_.originFailures();
  signals.tally = &merged_.ruleTally();
  signals.seconds = seconds;
  last_tick_ = now;
  countKernelDrops();
  bool rules_changed = governor_->tick(signals, now);
  rules_changed |= query_keys_.learn(merged_.queryKeys(), merged_.knownGoodRequests(),
                                     status.anomaly);
  std::vector<shield::MitigationRule> rules = governor_->published();
  if (escalate(seconds, now) || rules_changed) {
    publish(rules, now);
  } else {
    mirrorToKernel(now);
  }
  ticks_.fetch_add(1, std::memory_order_relaxed);
  auto stats = governor_->stats();
  rule_count_.store(stats.live_rules, std::memory_order_relaxed);
  spdlog::debug("defense tick: {} requests ({} known-good), anomaly {}, {} findings, {} rules, "
                "detector {:.0f} us, governor {:.0f} us",
                merged_.totalRequests(), merged_.knownGoodRequests(), status.anomaly,
                findings.size(), stats.live_rules, detector_.stats().last_tick_us,
                stats.last_tick_us);
  summarise(rules, now, seconds);
  last_tick_seconds_.store(std::chrono::duration<double>(MonoClock::now() - started).count(),
                           std::memory_order_relaxed);
  if (watchdog_.tickDone(MonoClock::now())) {
    spdlog::warn("defense: the control tick runs again");
  }
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

// Rules come from the governor (with their stage and evidence); the rest from the detector.
std::vector<DefenseLoop::Offender> DefenseLoop::topOffenders() const {
  std::lock_guard<std::mutex> lock(summary_mu_);
  return offenders_;
}

void DefenseLoop::summarise(const std::vector<shield::MitigationRule>& rules, MonoTime now,
                            double seconds) {
  size_t by_action[kActions] = {};
  for (const auto& rule : rules) {
    ++by_action[static_cast<size_t>(rule.action) % kActions];
  }
  for (size_t a = 0; a < kActions; ++a) {
    rules_by_action_[a].store(by_action[a], std::memory_order_relaxed);
  }
  nlohmann::json top = nlohmann::json::array();
  std::vector<Offender> offenders;
  offenders.reserve(2 * kTopOffenders);
  const double per_second = 1 / std::max(seconds, 1e-3);
  for (const auto& hitter : merged_.sources().top(kTopOffenders)) {
    top.push_back({{"source", hitter.payload.toString()}, {"requests", hitter.count}});
    offenders.push_back({"source", hitter.payload.toString(), hitter.count * per_second});
  }
  for (const auto& hitter : merged_.prefixes().top(kTopOffenders)) {
    offenders.push_back({"prefix", hitter.payload.toString(), hitter.count * per_second});
  }
  detector_memory_bytes_.store(detector_.memoryBytes(), std::memory_order_relaxed);
  const auto& status = detector_.status();
  nlohmann::json summary = {{"rules", governor_->rulesJson(now)},
                            {"governor", governor_->statusJson()},
                            {"recent_findings", nlohmann::json(recent_findings_)},
                            {"top_sources", std::move(top)},
                            {"detector",
                             {{"anomaly", status.anomaly},
                              {"origin_stress", status.origin_stress},
                              {"flash_crowd", status.flash_crowd},
                              {"ticks", detector_.stats().ticks},
                              {"last_tick_us", detector_.stats().last_tick_us},
                              {"memory_bytes", detector_.memoryBytes()}}},
                            {"requests_last_tick", merged_.totalRequests()},
                            {"kernel_drop", kernelSummary(now)}};
  std::lock_guard<std::mutex> lock(summary_mu_);
  summary_ = std::move(summary);
  offenders_ = std::move(offenders);
}

nlohmann::json DefenseLoop::kernelSummary(MonoTime now) const {
  nlohmann::json escalated = nlohmann::json::array();
  for (const auto& e : escalatedNow(now)) {
    escalated.push_back(
        {{e.network ? "prefix" : "source",
          e.network ? e.prefix.toString() : e.penalty.source.toString()},
         {"strike", e.penalty.strike},
         {"seconds_left", std::chrono::duration<double>(e.penalty.until - now).count()}});
  }
  nlohmann::json probation = nlohmann::json::array();
  for (const auto& p : network_escalation_.probation(now)) {
    probation.push_back(
        {{"prefix", networkOf(p.source).toString()},
         {"strike", p.strike},
         {"passes", fmt::format("1 in {}", probation_mask_ + 1)},
         {"seconds_left", std::chrono::duration<double>(p.until - now).count()}});
  }
  nlohmann::json out = {{"active", kernel_ != nullptr && kernel_->active()},
                        {"escalated", std::move(escalated)},
                        {"probation", std::move(probation)}};
  if (kernel_ != nullptr) {
    out["entries"] = kernel_->entries();
    if (!kernel_->active()) out["why_not"] = kernel_->inactiveReason();
    for (size_t r = 0; r < static_cast<size_t>(kernel::DropReason::kCount); ++r) {
      auto reason = static_cast<kernel::DropReason>(r);
      out["drops"][kernel::dropReasonName(reason)] = kernel_->drops(reason);
    }
  }
  return out;
}

nlohmann::json DefenseLoop::describe() const {
  std::lock_guard<std::mutex> lock(summary_mu_);
  return summary_;
}

void DefenseLoop::publish(const std::vector<shield::MitigationRule>& rules, MonoTime now) {
  // Governed rules are enforced at the request, not at accept: a rule must keep seeing its
  // matches, or its attack signal would vanish while it acts and the rule would relax and flap.
  // (A fully enforced source block is also dropped in the kernel; its drops are counted back
  // as its matches, see countKernelDrops.)
  published_ = rules;
  // The kernel first: the workers close the connections of a source escalated now
  // (Worker::cutEscalated), and its reconnection must meet the drop at the SYN — not an accept
  // and a reset, answered at once, the flood tool's next try a moment later.
  mirrorToKernel(now);
  auto rule_set = shield::RuleSet::compile(published_, now, shield::RuleSet::kDefaultMaxRules,
                                           nullptr, query_keys_.snapshot());
  for (Worker* w : workers_) w->swapRules(rule_set, escalated_ ? escalated_ : no_blocks_);
}

void DefenseLoop::setKernel(kernel::KernelBlocklist* kernel, const config::KernelDrop& config) {
  kernel_ = kernel;
  setEscalation(config);
}

void DefenseLoop::setKernelDrop(const config::KernelDrop& config) {
  std::lock_guard<std::mutex> lock(escalation_mu_);
  pending_drop_ = config;
}

void DefenseLoop::countKernelDrops() {
  if (kernel_ == nullptr || !kernel_->active()) return;
  auto by_rule = kernel_->collectDrops();
  if (by_rule.empty()) return;
  // A dropped SYN is the rule at work: counted as matched and enforced, so its attack signal
  // stays up while the kernel does the refusing (one attempt, not one request, each).
  for (const auto& rule : published_) {
    auto it = by_rule.find(rule.id);
    if (it == by_rule.end() || rule.tally == shield::RuleTally::kNone) continue;
    shield::RuleCounts& counts = merged_.ruleTally().at(rule.tally);
    counts.matched += it->second;
    counts.enforced += it->second;
  }
}

bool DefenseLoop::escalate(double seconds, MonoTime now) {
  {
    std::lock_guard<std::mutex> lock(escalation_mu_);
    if (pending_drop_) setEscalation(*pending_drop_);
    pending_drop_.reset();
  }
  std::vector<kernel::Escalation::Refusals> refused;
  for (const auto& hitter : merged_.refused().top(merged_.config().top_k)) {
    refused.push_back({hitter.payload, hitter.count, MonoTime{}});
  }
  for (const auto& d : merged_.defiedHolds()) {  // a few dozen at most: a scan is fine
    auto it = std::find_if(refused.begin(), refused.end(),
                           [&](const auto& r) { return r.source == d.source; });
    if (it == refused.end()) it = refused.insert(refused.end(), {d.source, 0, MonoTime{}});
    it->defied_until = d.until;
  }
  auto begun = escalation_.tick(refused, seconds, now, [&](const shield::IpKey& source) {
    return state_->knownGood().isKnownGood(source, now);
  });
  for (const auto& p : begun) {
    std::string source = p.source.toString();
    std::string why = p.defied ? fmt::format(
                                     "refused ({:.0f} times/s) and sending to its tarpitted "
                                     "connections before their Retry-After",
                                     p.rate)
                               : fmt::format("refused {:.0f} times/s", p.rate);
    announcePenalty(source, " " + why, p, now, {{"defied_tarpit", p.defied}});
  }
  bool networks_begun = escalateNetworks(seconds, now);
  auto active = escalatedNow(now);
  size_t before = escalated_ ? escalated_->size() : 0;
  if (begun.empty() && !networks_begun && active.size() == before) return false;
  shield::BlocklistBuilder builder;
  for (const auto& e : active) {
    builder.add(e.prefix, e.penalty.until, shield::BlockOrigin::kDetector,
                e.network ? "escalated: a network of refused requests only"
                          : "escalated: refused repeatedly");
  }
  escalated_ = active.empty() ? nullptr : builder.build();
  return true;
}

std::vector<DefenseLoop::Escalated> DefenseLoop::escalatedNow(MonoTime now) const {
  std::vector<Escalated> out;
  for (const auto& p : escalation_.active(now)) {
    out.push_back({shield::IpPrefix::host(p.source), false, p});
  }
  for (const auto& p : network_escalation_.active(now)) out.push_back({networkOf(p.source), true, p});
  return out;
}

double DefenseLoop::attempts(uint64_t prefix_key) const {
  return static_cast<double>(merged_.prefixes().estimate(prefix_key)) +
         static_cast<double>(merged_.connectionRefusals(prefix_key));
}

bool DefenseLoop::escalateNetworks(double seconds, MonoTime now) {
  // A network is a candidate in a tick when prefix_share of its requests or more were refused
  // (both counted in the same sketches' terms: estimates that never undercount). One with a
  // request admitted in a hundred is left to user space: a client in it is being served. Its
  // connections refused before a request (a slow or oversized head) count as requests refused.
  // A network where one source makes half the requests or more is that source's case (the
  // source ladder's): the network ladder is for floods spread over many.
  const auto sources = merged_.sources().top(merged_.config().top_k);
  std::vector<kernel::Escalation::Refusals> refused;
  for (const auto& hitter : merged_.refusedPrefixes().top(merged_.config().top_k)) {
    const double requests = attempts(hitter.key);
    if (static_cast<double>(hitter.count) < prefix_share_ * requests) continue;
    bool one_source = std::any_of(sources.begin(), sources.end(), [&](const auto& source) {
      return hitter.payload.contains(source.payload) && 2.0 * source.count >= requests;
    });
    if (one_source) continue;
    refused.push_back({hitter.payload.base, hitter.count, MonoTime{}});
  }
  // A network on probation whose requests were served this tick (the origin answered one,
  // and under prefix_share of them were refused: a client in it got through) is let go whole.
  // Answered, not merely not refused yet: a slow body is refused seconds after its head.
  for (const auto& p : network_escalation_.probation(now)) {
    const shield::IpPrefix network = networkOf(p.source);
    const uint64_t key = merged_.prefixKey(network);
    const double requests = attempts(key);
    if (merged_.servedByOrigin(key) == 0 ||
        merged_.refusedPrefixes().estimate(key) >= prefix_share_ * requests) {
      continue;
    }
    if (network_escalation_.release(p.source, now)) {
      spdlog::info("escalation: {}: served while on probation: let go", network.toString());
    }
  }
  auto begun = network_escalation_.tick(refused, seconds, now, [&](const shield::IpKey& base) {
    return state_->knownGood().hasKnownGood(networkOf(base), now);
  });
  for (const auto& p : begun) {
    announcePenalty(networkOf(p.source).toString(),
                    fmt::format(": all but {:.0f}% of its requests refused, {:.0f} a second, no "
                                "known-good client,",
                                100 * (1 - prefix_share_), p.rate),
                    p, now, {{"prefix", true}});
  }
  return !begun.empty();
}

void DefenseLoop::announcePenalty(const std::string& subject, const std::string& why,
                                  const kernel::Escalation::Penalty& p, MonoTime now,
                                  nlohmann::json evidence) {
  double seconds = std::chrono::duration<double>(p.until - now).count();
  std::string message = fmt::format(
      "{}{} for {:g} s: dropped {} for {:.0f} s (penalty #{})", subject, why,
      p.ticks * std::chrono::duration<double>(tick_).count(),
      kernel_ != nullptr && kernel_->active() ? "in the kernel" : "at accept", std::floor(seconds),
      p.strike);
  spdlog::warn("escalation: {}", message);
  evidence["rate"] = p.rate;
  evidence["strike"] = p.strike;
  evidence["seconds"] = seconds;
  event("kernel.escalated", subject, message, std::move(evidence));
}

shield::IpPrefix DefenseLoop::networkOf(const shield::IpKey& base) const {
  return state_->knownGood().networkOf(base);
}

// After the publish: a rule leaves the kernel in the same tick it leaves the workers' set (or
// drops below full enforcement), and enters it only kRuleKernelAfter into full enforcement.
void DefenseLoop::mirrorToKernel(MonoTime now) {
  if (kernel_ == nullptr || !kernel_->active()) return;
  std::vector<kernel::KernelBlocklist::Entry> entries;
  std::vector<uint64_t> seen;
  for (const auto& rule : published_) {
    const shield::RuleMatch& m = rule.match;
    bool source_only = m.source && !m.fingerprint && m.path_prefix.empty() && m.method.empty() &&
                       m.header_name.empty();
    if (rule.action != shield::RuleAction::kBlock || !source_only || rule.fraction < 1 ||
        rule.spare_known_good || now >= rule.expires_at) {
      continue;  // canary, relaxing, narrowed or not about sources: user space decides
    }
    auto since = kernel_since_.emplace(rule.id, now).first->second;
    seen.push_back(rule.id);
    if (now - since >= kRuleKernelAfter) {
      entries.push_back({*m.source, kernel::DropReason::kRule, rule.id});
    }
  }
  for (auto it = kernel_since_.begin(); it != kernel_since_.end();) {  // left full enforcement
    bool kept = std::find(seen.begin(), seen.end(), it->first) != seen.end();
    it = kept ? std::next(it) : kernel_since_.erase(it);
  }
  for (const auto& e : escalatedNow(now)) {
    entries.push_back({e.prefix, kernel::DropReason::kEscalated, 0});
  }
  if (probation_mask_ != 0) {
    for (const auto& p : network_escalation_.probation(now)) {
      entries.push_back({networkOf(p.source), kernel::DropReason::kEscalated, 0, probation_mask_});
    }
  }
  kernel_->sync(entries, now);
}

}  // namespace floodgate::proxy
