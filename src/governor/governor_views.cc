// Governor's read side for operators: rules as JSON with their evidence, its status, and why.
#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>

#include "governor/evidence.h"
#include "governor/governor.h"

namespace floodgate::governor {
namespace {

nlohmann::json matchJson(const shield::RuleMatch& m) {
  nlohmann::json j = nlohmann::json::object();
  if (m.source) j["source"] = m.source->toString();
  if (m.fingerprint) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, *m.fingerprint);
    j["fingerprint"] = buf;
  }
  if (!m.path_prefix.empty()) j["path_prefix"] = m.path_prefix;
  if (!m.method.empty()) j["method"] = m.method;
  if (!m.header_name.empty()) {
    j["header"] = m.header_name;
    if (!m.header_value.empty()) j["header_value"] = m.header_value;
  }
  return j;
}

// Whether the rule's match depends on more than the client's address.
bool dependsOnRequest(const shield::RuleMatch& m) {
  return m.fingerprint || !m.path_prefix.empty() || !m.method.empty() || !m.header_name.empty();
}

}  // namespace

nlohmann::json Governor::toJson(const Rule& r, MonoTime now) const {
  nlohmann::json j = {{"id", r.rule.id},
                      {"match", matchJson(r.rule.match)},
                      {"describe", r.key},
                      {"action", shield::ruleActionName(r.rule.action)},
                      {"origin", shield::ruleOriginName(r.rule.origin)},
                      {"stage", stageName(r.stage)},
                      {"pinned", r.pinned},
                      {"fraction", r.pinned && !isFinal(r.stage) ? 1.0 : enforcedFraction(r)},
                      {"spare_known_good", r.rule.spare_known_good},
                      {"evidence", r.rule.evidence},
                      {"age_s", secondsOf(now - r.rule.created_at)},
                      {"in_stage_s", secondsOf(now - r.stage_since)},
                      {"counts", countsJson(r.total)},
                      {"engages", r.engages},
                      {"disengages", r.disengages},
                      {"history", nlohmann::json(r.history)}};
  if (r.rule.action == shield::RuleAction::kRateLimit) {
    j["rate"] = r.rule.rate;
    j["burst"] = r.rule.burst;
  }
  j["expires_in_s"] = r.rule.expires_at == MonoTime::max()
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(secondsOf(r.rule.expires_at - now));
  return j;
}

nlohmann::json Governor::rulesJson(MonoTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json live = nlohmann::json::array();
  for (const auto& r : rules_) live.push_back(toJson(r, now));
  nlohmann::json done = nlohmann::json::array();
  for (auto it = finished_.rbegin(); it != finished_.rend(); ++it) done.push_back(it->rule);
  return {{"rules", live}, {"finished", done}};
}

Result<nlohmann::json> Governor::ruleJson(uint64_t id, MonoTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (const Rule* r = find(id)) return toJson(*r, now);
  for (const auto& f : finished_) {
    if (f.rule.value("id", uint64_t{0}) == id) return f.rule;
  }
  return makeError(fmt::format("no rule #{} (live or among the last {} finished)", id, kFinished));
}

nlohmann::json Governor::statusJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"dry_run", config_.dry_run},
          {"kill_switch", kill_switch_},
          {"live_rules", rules_.size()},
          {"max_rules", config_.max_rules},
          {"ticks", stats_.ticks},
          {"last_tick_us", stats_.last_tick_us},
          {"max_tick_us", stats_.max_tick_us},
          {"engages", stats_.engages},
          {"disengages", stats_.disengages},
          {"rolled_back", stats_.rolled_back}};
}

nlohmann::json Governor::why(const shield::IpKey& client, MonoTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = {{"client", client.toString()}};
  nlohmann::json rules = nlohmann::json::array();
  std::string verdict;
  for (const auto& r : rules_) {
    const shield::RuleMatch& m = r.rule.match;
    if (m.source && !m.source->contains(client)) continue;
    shield::MitigationRule as_published = r.rule;
    as_published.fraction = r.pinned ? 1 : enforcedFraction(r);
    bool in_share = shield::inEnforcedShare(as_published, client);
    rules.push_back({{"id", r.rule.id},
                     {"describe", r.key},
                     {"action", shield::ruleActionName(r.rule.action)},
                     {"stage", stageName(r.stage)},
                     {"pinned", r.pinned},
                     {"fraction", as_published.fraction},
                     {"client_in_enforced_share", in_share},
                     {"spares_known_good", r.rule.spare_known_good},
                     {"depends_on_request", dependsOnRequest(m)},
                     {"evidence", r.rule.evidence}});
    if (in_share && verdict.empty()) {
      verdict = fmt::format("rule #{} ({}, {}) {} this client{}{}", r.rule.id, stageName(r.stage),
                            r.key, shield::ruleActionName(r.rule.action),
                            dependsOnRequest(m) ? " on matching requests" : "",
                            r.rule.spare_known_good ? " unless it is known-good" : "");
    }
  }
  out["rules"] = rules;
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& f : finished_) {
    const nlohmann::json& m = f.rule["match"];
    if (!m.contains("source")) continue;
    auto prefix = shield::IpPrefix::parse(m["source"].get<std::string>());
    if (prefix && prefix->contains(client)) recent.push_back(f.rule);
  }
  out["finished_rules"] = recent;
  out["governor"] = {{"dry_run", config_.dry_run}, {"kill_switch", kill_switch_}};
  if (why_context_) why_context_(client, out);
  out["verdict"] = verdict.empty() ? "no mitigation rule is enforced on this client" : verdict;
  return out;
}

}  // namespace floodgate::governor
