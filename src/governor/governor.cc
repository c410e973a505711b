#include "governor/governor.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/log.h"
#include "governor/evidence.h"

namespace floodgate::governor {

Governor::Governor(GovernorConfig config, EventSink sink)
    : config_(config), sink_(std::move(sink)) {
  config_.max_rules = std::min(config_.max_rules, shield::RuleTally::kSlots);
  for (size_t slot = shield::RuleTally::kSlots; slot-- > 0;) {
    free_slots_.push_back(static_cast<uint16_t>(slot));  // slot 0 is handed out first
  }
}

Governor::Rule* Governor::find(uint64_t id) {
  for (auto& r : rules_) {
    if (r.rule.id == id) return &r;
  }
  return nullptr;
}

const Governor::Rule* Governor::find(uint64_t id) const {
  return const_cast<Governor*>(this)->find(id);
}

void Governor::emit(std::string_view kind, const Rule& r, const std::string& message,
                    const nlohmann::json& evidence) {
  std::string subject = fmt::format("rule #{}", r.rule.id);
  auto level = r.stage == Stage::kRolledBack ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "governor: {} {} ({}): {} {}", subject, stageName(r.stage), r.key, message,
              evidence.dump());
  if (sink_) {
    nlohmann::json with_match = evidence;
    if (with_match.is_object() && !with_match.contains("match")) with_match["match"] = r.key;
    sink_(kind, subject, message, with_match);
  }
}

void Governor::startWindow(Rule& r, MonoTime now) {
  r.window_since = now;
  r.window = {};
  r.origin_window = {};
  r.window_signal = false;
  r.window_anomaly = false;
}

void Governor::move(Rule& r, Stage to, MonoTime now, const std::string& why,
                    nlohmann::json evidence) {
  evidence["from"] = stageName(r.stage);
  evidence["to"] = stageName(to);
  evidence["match"] = r.key;
  evidence["action"] = shield::ruleActionName(r.rule.action);
  r.stage = to;
  r.stage_since = now;
  startWindow(r, now);
  evidence["fraction"] = enforcedFraction(r);
  if (config_.dry_run && r.rule.origin == shield::RuleOrigin::kDetector) evidence["dry_run"] = true;
  r.history.push_back({{"after_s", secondsOf(now - r.rule.created_at)},
                       {"stage", stageName(to)},
                       {"why", why},
                       {"evidence", evidence}});
  if (r.history.size() > kHistory) r.history.pop_front();
  changed_ = true;
  if (to == Stage::kRolledBack) ++stats_.rolled_back;
  ++stats_.moves_to[static_cast<size_t>(to)];
  emit(std::string("rule.") + stageName(to), r, why, evidence);
}

double Governor::enforcedFraction(const Rule& r) const {
  if (config_.dry_run && r.rule.origin == shield::RuleOrigin::kDetector) return 0;
  switch (r.stage) {
    case Stage::kCanary:
      return config_.canary_fraction;
    case Stage::kEnforced:
      return 1;
    case Stage::kRelaxing:
      return 1 - static_cast<double>(r.relax_step) / (config_.relax_steps + 1);
    default:
      return 0;
  }
}

Result<uint64_t> Governor::adopt(shield::MitigationRule rule, double trigger_rate, bool pinned,
                                 MonoTime now, const shield::RuleCounts* seen, Duration seen_over) {
  if (rule.match.empty()) {
    return makeError(
        "the rule has no condition and would match every request; give it a "
        "source, path_prefix, method or header");
  }
  std::string key = rule.match.describe();
  for (const auto& r : rules_) {
    if (r.key == key) return makeError(fmt::format("rule #{} already matches {}", r.rule.id, key));
  }
  for (const auto& f : finished_) {
    if (f.key == key && f.stage == Stage::kRolledBack && now - f.at < config_.retry_after &&
        rule.origin == shield::RuleOrigin::kDetector) {
      return makeError(
          fmt::format("{} was rolled back {:.0f} s ago; not proposed again for {:.0f} s", key,
                      secondsOf(now - f.at), secondsOf(config_.retry_after)));
    }
  }
  if (rules_.size() >= config_.max_rules || free_slots_.empty()) {
    return makeError(
        fmt::format("the governor already holds its maximum of {} live rules", config_.max_rules));
  }
  Rule r;
  r.rule = std::move(rule);
  r.rule.id = next_id_++;
  r.rule.tally = free_slots_.back();
  free_slots_.pop_back();
  r.rule.fraction = 0;
  r.rule.created_at = now;
  // A detector rule lasts while its attack does: the disengage gate ends it, not a TTL.
  if (r.rule.origin == shield::RuleOrigin::kDetector) r.rule.expires_at = MonoTime::max();
  r.key = std::move(key);
  r.pinned = pinned;
  r.trigger_rate = trigger_rate;
  r.stage_since = now;
  r.last_signal = now;
  startWindow(r, now);
  rules_.push_back(std::move(r));
  Rule& added = rules_.back();
  nlohmann::json evidence = {{"origin", shield::ruleOriginName(added.rule.origin)},
                             {"evidence", added.rule.evidence},
                             {"trigger_rate", trigger_rate}};
  added.history.push_back({{"after_s", 0},
                           {"stage", "proposed"},
                           {"why", added.rule.evidence},
                           {"evidence", evidence}});
  emit("rule.proposed", added, added.rule.evidence, evidence);
  if (pinned) {
    move(added, Stage::kEnforced, now, "pinned by an operator: enforced without gates", {});
    return added.rule.id;
  }
  if (added.rule.origin == shield::RuleOrigin::kDetector) {
    if (const Finished* before = recentlyProven(added.key, now)) {
      // A pulse wave back after a gap longer than hold: the same rule, judged harmless while it
      // acted minutes ago, acts again now rather than after a shadow the burst may not outlast.
      added.rule.spare_known_good = added.rule.spare_known_good || before->spare_known_good;
      ++added.engages;
      ++stats_.engages;
      move(added, Stage::kEnforced, now,
           fmt::format("its match was enforced until it relaxed fully {:.0f} s ago, with no "
                       "harm: enforced again at once, the effect gate watching",
                       secondsOf(now - before->at)),
           {{"previous", before->rule.value("id", uint64_t{0})}});
      return added.rule.id;
    }
  }
  move(added, Stage::kShadow, now, "counting its matches before it may act", {});
  if (seen != nullptr) {
    added.window = *seen;
    added.total = *seen;
    added.window_since = now - seen_over;
    judgeShadow(added, now);
  }
  return added.rule.id;
}

void Governor::propose(const shield::MitigationRule& proposal, double trigger_rate, MonoTime now,
                       const shield::RuleCounts* seen, Duration seen_over) {
  std::lock_guard<std::mutex> lock(mu_);
  if (kill_switch_) return;
  std::string key = proposal.match.describe();
  for (auto& r : rules_) {
    if (r.key == key) {
      r.proposed_again = true;
      r.trigger_rate = std::max(r.trigger_rate, trigger_rate);
      return;
    }
  }
  shield::MitigationRule rule = proposal;
  rule.origin = shield::RuleOrigin::kDetector;
  auto id = adopt(std::move(rule), trigger_rate, false, now, seen, seen_over);
  if (!id) spdlog::debug("governor: proposal not adopted: {}", id.error());
}

bool Governor::judgeHarm(Rule& r, MonoTime now) {
  if (enforcedFraction(r) == 0) return false;
  HarmVerdict v = harmTest(r.window, r.origin_before, r.origin_window, r.window_anomaly, config_);
  if (!v.harm) return false;
  double hit = static_cast<double>(r.window.enforced_known_good) /
               static_cast<double>(std::max<uint64_t>(1, r.window.enforced));
  if (v.known_good && !r.rule.spare_known_good && hit <= config_.refuse_collateral) {
    // Known-good clients behind the same prefix as the attack: spare them, keep the rule.
    r.rule.spare_known_good = true;
    changed_ = true;
    emit("rule.narrowed", r, "effect gate: " + v.reason + "; narrowed to spare known-good clients",
         {{"window", countsJson(r.window)}});
    startWindow(r, now);
    return false;
  }
  move(r, Stage::kRolledBack, now, "effect gate: harm: " + v.reason,
       {{"window", countsJson(r.window)},
        {"shares", sharesJson(r.window)},
        {"origin_failure_ratio_before", r.origin_before.failureRatio()},
        {"origin_failure_ratio_now", r.origin_window.failureRatio()}});
  return true;
}

// A window has passed: with a little slack, as ticks come a hair early or late.
bool Governor::due(const Rule& r, Duration window, MonoTime now) const {
  return now - r.window_since + milliseconds(100) >= window;
}

void Governor::judgeShadow(Rule& r, MonoTime now) {
  if (!due(r, config_.shadow_window, now)) return;
  CollateralVerdict v = collateralGate(r.window, config_, r.rule.action);
  nlohmann::json evidence = {{"window", countsJson(r.window)},
                             {"known_good_share", v.share},
                             {"max_collateral", config_.max_collateral}};
  switch (v.kind) {
    case CollateralVerdict::Kind::kWait:
      if (now - r.last_signal >= config_.hold) {
        move(r, Stage::kExpired, now,
             fmt::format("nothing to mitigate: {}, and its attack signal has been down for "
                         "{:.0f} s",
                         v.reason, secondsOf(now - r.last_signal)),
             evidence);
      }
      return;
    case CollateralVerdict::Kind::kRefuse:
      move(r, Stage::kRolledBack, now, "collateral gate: refused: " + v.reason, evidence);
      return;
    case CollateralVerdict::Kind::kNarrow:
      r.rule.spare_known_good = true;
      [[fallthrough]];
    case CollateralVerdict::Kind::kPass:
      r.origin_before = r.origin_window;
      if (const char* why = canaryNotNeeded(r)) {
        ++r.engages;
        ++stats_.engages;
        move(r, Stage::kEnforced, now, "collateral gate: " + v.reason + "; " + why, evidence);
      } else {
        move(r, Stage::kCanary, now, "collateral gate: " + v.reason, evidence);
      }
      return;
  }
}

// The canary enforces a rule on a share of its clients for canary_window and asks two things:
// does it refuse known-good clients, and is there a live attack for it to act on. For the rules
// below the answers are already in, so the canary would only add its window to the time to
// mitigate (and a pulse's first burst would be over before it ends). The effect gate keeps
// asking the first question of every enforced rule, and narrows or rolls back on the answer.
const char* Governor::canaryNotNeeded(const Rule& r) const {
  if (r.rule.match.source && r.rule.match.source->length == 128) {
    // One address is one client: a canary share of it is all or nothing.
    return "one address has no share to canary";
  }
  // An operator's rule may have no attack behind it: its canary is what shows one.
  if (r.rule.origin != shield::RuleOrigin::kDetector) return nullptr;
  if (r.rule.spare_known_good) {
    return "it spares known-good clients, the harm a canary looks for: enforced on all";
  }
  if (r.rule.action == shield::RuleAction::kChallenge) {
    return "a challenge refuses no client that keeps cookies (one redirect) and the effect gate "
           "narrows it at its first known-good refusal: enforced on all";
  }
  return nullptr;
}

const Governor::Finished* Governor::recentlyProven(const std::string& key, MonoTime now) const {
  if (config_.reengage_within <= Duration::zero()) return nullptr;
  for (auto it = finished_.rbegin(); it != finished_.rend(); ++it) {
    if (it->key != key) continue;
    // The latest end of this match decides: a later rollback outweighs an earlier success.
    return it->proven && now - it->at < config_.reengage_within ? &*it : nullptr;
  }
  return nullptr;
}

void Governor::step(Rule& r, const TickSignals& signals, MonoTime now) {
  shield::RuleCounts counts;
  if (signals.tally != nullptr && r.rule.tally != shield::RuleTally::kNone) {
    counts = signals.tally->at(r.rule.tally);
  }
  r.window.add(counts);
  r.total.add(counts);
  r.origin_window.add(signals.origin_attempts, signals.origin_failures);
  r.window_anomaly = r.window_anomaly || signals.anomaly;
  double seconds = std::max(signals.seconds, 1e-3);
  bool signal = r.proposed_again;
  if (r.trigger_rate > 0) {
    signal = signal || (counts.matched > 0 && static_cast<double>(counts.matched) / seconds >=
                                                  config_.signal_share * r.trigger_rate);
  } else {
    signal = signal || signals.anomaly || signals.origin_stress;
  }
  r.proposed_again = false;
  if (signal) {
    r.last_signal = now;
    r.window_signal = true;
  }
  if (now >= r.rule.expires_at) {
    move(r, Stage::kExpired, now, "its time ran out", {{"total", countsJson(r.total)}});
    return;
  }
  if (r.pinned) return;
  const Duration quiet = now - r.last_signal;
  switch (r.stage) {
    case Stage::kProposed:
      move(r, Stage::kShadow, now, "counting its matches before it may act", {});
      return;
    case Stage::kShadow:
      judgeShadow(r, now);
      return;
    case Stage::kCanary:
      if (judgeHarm(r, now) || !due(r, config_.canary_window, now)) return;
      if (!r.window_signal && r.rule.origin == shield::RuleOrigin::kDetector) {
        // Its attack paused (a pulse wave's gap?): wait for it, but not past hold.
        if (quiet >= config_.hold) {
          move(r, Stage::kExpired, now,
               fmt::format("its attack signal has been down for {:.0f} s: ended in canary",
                           secondsOf(quiet)),
               {{"total", countsJson(r.total)}});
        }
        return;
      }
      if (!r.window_signal) {
        move(r, Stage::kRolledBack, now,
             fmt::format("effect gate: no effect: its attack signal stayed down for the whole "
                         "{:.0f} s canary; enforcing it would only refuse traffic",
                         secondsOf(config_.canary_window)),
             {{"window", countsJson(r.window)}});
        return;
      }
      ++r.engages;
      ++stats_.engages;
      move(r, Stage::kEnforced, now,
           fmt::format("effect gate: the canary acted on {} requests, {} of known-good clients, "
                       "against a live attack signal",
                       r.window.enforced, r.window.enforced_known_good),
           {{"window", countsJson(r.window)},
            {"shares", sharesJson(r.window)},
            {"origin_failure_ratio_before", r.origin_before.failureRatio()},
            {"origin_failure_ratio_now", r.origin_window.failureRatio()}});
      return;
    case Stage::kEnforced:
      if (judgeHarm(r, now)) return;
      if (quiet >= config_.hold) {
        r.relax_step = 1;
        ++r.disengages;
        ++stats_.disengages;
        move(r, Stage::kRelaxing, now,
             fmt::format("disengage gate: its attack signal has been down for {:.0f} s; relaxing "
                         "in {} steps of {:.0f} s",
                         secondsOf(quiet), config_.relax_steps, secondsOf(config_.relax_step)),
             {{"total", countsJson(r.total)}});
      } else if (due(r, config_.effect_window, now)) {
        startWindow(r, now);  // the effect gate judges rolling windows
      }
      return;
    case Stage::kRelaxing:
      if (signal) {
        ++r.engages;
        ++stats_.engages;
        r.relax_step = 0;
        move(r, Stage::kEnforced, now,
             "disengage gate: the attack signal returned: enforced at once",
             {{"matched_this_tick", counts.matched}});
        return;
      }
      if (judgeHarm(r, now)) return;
      if (now - r.stage_since >= config_.relax_step * r.relax_step) {
        if (r.relax_step >= config_.relax_steps) {
          r.proven = r.rule.origin == shield::RuleOrigin::kDetector;
          move(r, Stage::kExpired, now, "relaxed fully with the attack signal down",
               {{"total", countsJson(r.total)}});
        } else {
          ++r.relax_step;
          changed_ = true;
          emit("rule.relax_step", r,
               fmt::format("relaxing: now enforced on {:.0f}% of its clients",
                           enforcedFraction(r) * 100),
               {{"step", r.relax_step}, {"fraction", enforcedFraction(r)}});
        }
      }
      return;
    case Stage::kExpired:
    case Stage::kRolledBack:
      return;
  }
}

void Governor::retire(MonoTime now) {
  for (auto it = rules_.begin(); it != rules_.end();) {
    if (!isFinal(it->stage)) {
      ++it;
      continue;
    }
    finished_.push_back(
        {toJson(*it, now), it->key, it->stage, now, it->proven, it->rule.spare_known_good});
    if (finished_.size() > kFinished) finished_.pop_front();
    free_slots_.push_back(it->rule.tally);
    it = rules_.erase(it);
  }
}

bool Governor::tick(const TickSignals& signals, MonoTime now) {
  auto started = MonoClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : rules_) step(r, signals, now);
  retire(now);
  double us = std::chrono::duration<double, std::micro>(MonoClock::now() - started).count();
  ++stats_.ticks;
  stats_.last_tick_us = us;
  stats_.max_tick_us = std::max(stats_.max_tick_us, us);
  stats_.live_rules = rules_.size();
  bool changed = changed_;
  changed_ = false;
  return changed;
}

std::vector<shield::MitigationRule> Governor::published() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<shield::MitigationRule> out;
  out.reserve(rules_.size());
  for (const auto& r : rules_) {
    out.push_back(r.rule);
    out.back().fraction = r.pinned ? 1 : enforcedFraction(r);
  }
  return out;
}

Result<uint64_t> Governor::addOperatorRule(const OperatorRule& op, MonoTime now) {
  if ((op.action == shield::RuleAction::kRateLimit ||
       op.action == shield::RuleAction::kChallenge) &&
      !(op.rate > 0)) {
    return makeError(fmt::format("a {} rule needs a rate above 0 (requests per second)",
                                 shield::ruleActionName(op.action)));
  }
  if (op.rate < 0 || op.burst < 0) return makeError("rate and burst must not be negative");
  if (op.ttl.count() < 0) return makeError("ttl must not be negative");
  shield::MitigationRule rule;
  rule.match = op.match;
  rule.action = op.action;
  rule.rate = op.rate;
  rule.burst = op.burst > 0 ? op.burst : std::max(1.0, op.rate);
  rule.origin = shield::RuleOrigin::kOperator;
  rule.evidence = op.reason.empty() ? "added by an operator" : "operator: " + op.reason;
  rule.expires_at = op.ttl.count() > 0 ? now + op.ttl : MonoTime::max();
  std::lock_guard<std::mutex> lock(mu_);
  return adopt(std::move(rule), 0, op.pinned, now);
}

Status Governor::pin(uint64_t id, MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  Rule* r = find(id);
  if (r == nullptr) return makeError(fmt::format("no live rule #{}", id));
  if (r->pinned) return {};
  r->pinned = true;
  changed_ = true;
  move(*r, Stage::kEnforced, now, "pinned by an operator: enforced, the gates no longer apply",
       {{"total", countsJson(r->total)}});
  return {};
}

Status Governor::expire(uint64_t id, MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  Rule* r = find(id);
  if (r == nullptr) return makeError(fmt::format("no live rule #{}", id));
  move(*r, Stage::kExpired, now, "expired by an operator", {{"total", countsJson(r->total)}});
  retire(now);
  return {};
}

size_t Governor::setKillSwitch(bool engaged, MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  kill_switch_ = engaged;
  size_t dropped = 0;
  if (!engaged) return 0;
  for (auto& r : rules_) {
    if (r.rule.origin != shield::RuleOrigin::kDetector) continue;
    move(r, Stage::kRolledBack, now, "kill switch: every automatic rule dropped",
         {{"total", countsJson(r.total)}});
    ++dropped;
  }
  retire(now);
  return dropped;
}

void Governor::setDryRun(bool dry_run, MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  (void)now;
  if (config_.dry_run != dry_run) changed_ = true;
  config_.dry_run = dry_run;
}

void Governor::setWhyContext(WhyContext context) {
  std::lock_guard<std::mutex> lock(mu_);
  why_context_ = std::move(context);
}

Governor::Stats Governor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::array<size_t, kStageCount> Governor::liveByStage() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::array<size_t, kStageCount> out{};
  for (const auto& r : rules_) ++out[static_cast<size_t>(r.stage)];
  return out;
}

GovernorConfig Governor::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

void Governor::setConfig(const GovernorConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  if (config.dry_run != config_.dry_run || config.canary_fraction != config_.canary_fraction ||
      config.relax_steps != config_.relax_steps) {
    changed_ = true;  // the published fractions may differ
  }
  config_ = config;
  config_.max_rules = std::min(config_.max_rules, shield::RuleTally::kSlots);
}

std::optional<Stage> Governor::stageOf(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (const Rule* r = find(id)) return r->stage;
  for (const auto& f : finished_) {
    if (f.rule.value("id", uint64_t{0}) == id) return f.stage;
  }
  return std::nullopt;
}

}  // namespace floodgate::governor
