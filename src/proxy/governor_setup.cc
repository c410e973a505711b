#include "proxy/governor_setup.h"

#include <fmt/format.h>

#include <vector>

#include "core/log.h"
#include "governor/operator_rule.h"

namespace floodgate::proxy {
namespace {

governor::OperatorRuleSpec specOf(const config::OperatorRuleConfig& r) {
  governor::OperatorRuleSpec spec;
  spec.source = r.source;
  spec.path_prefix = r.path_prefix;
  spec.method = r.method;
  spec.header = r.header;
  spec.header_value = r.header_value;
  spec.action = r.action;
  spec.rate = r.rate;
  spec.burst = r.burst;
  spec.pinned = r.pinned;
  spec.reason = r.reason.empty() ? "config rule " + r.name : r.reason;
  spec.ttl = r.ttl;
  return spec;
}

std::string textOf(const config::OperatorRuleConfig& r) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", r.name, r.source, r.path_prefix,
                     r.method, r.header, r.header_value, r.action, r.rate, r.burst, r.pinned,
                     r.reason, r.ttl.count());
}

}  // namespace

governor::GovernorConfig governorConfig(const config::Governor& s) {
  governor::GovernorConfig c;
  c.dry_run = s.dry_run;
  c.max_collateral = s.max_collateral;
  c.refuse_collateral = s.refuse_collateral;
  c.shadow_window = s.shadow_window;
  c.canary_fraction = s.canary_fraction;
  c.canary_window = s.canary_window;
  c.effect_window = s.effect_window;
  c.hold = s.hold;
  c.relax_steps = s.relax_steps;
  c.relax_step = s.relax_step;
  c.max_rules = static_cast<size_t>(s.max_rules);
  return c;
}

void ConfigRules::apply(const config::Governor& section, governor::Governor& governor,
                        MonoTime now) {
  std::map<std::string, uint64_t> next;
  std::vector<const config::OperatorRuleConfig*> added;
  for (const auto& r : section.rules) {
    std::string text = textOf(r);
    if (auto it = ids_.find(text); it != ids_.end()) {
      next.emplace(text, it->second);
      ids_.erase(it);
    } else {
      added.push_back(&r);
    }
  }
  // First end the rules gone from the config (an edited rule is one of them), so that its new
  // version, matching the same, can take its place.
  for (const auto& [text, id] : ids_) {
    (void)governor.expire(id, now);  // an error only if it had already ended
  }
  for (const config::OperatorRuleConfig* r : added) {
    auto rule = governor::operatorRule(specOf(*r));
    auto id = rule ? governor.addOperatorRule(*rule, now) : Result<uint64_t>(Error{rule.error()});
    if (!id) {
      spdlog::warn("governor: config rule {} not adopted: {}", r->name, id.error());
      continue;
    }
    next.emplace(textOf(*r), *id);
  }
  ids_ = std::move(next);
}

void describeShieldFor(const shield::IpKey& client, const RuntimeSnapshot& snapshot,
                       ShieldState& state, nlohmann::json& out) {
  MonoTime now = MonoClock::now();
  out["known_good"] = state.knownGood().isKnownGood(client, now);
  const shield::Blocklist::Entry* hit = nullptr;
  if (snapshot.shield.blocklist && snapshot.shield.blocklist->contains(client, now, &hit)) {
    out["blocklist"] = {{"prefix", hit->prefix.toString()}, {"reason", hit->reason}};
  } else {
    out["blocklist"] = nullptr;
  }
  nlohmann::json limits = nlohmann::json::array();
  for (const auto& limit : snapshot.config->shield.rate_limits) {
    const char* key = "source";
    switch (limit.key) {
      case config::RateLimit::Key::kSource:
        key = "source";
        break;
      case config::RateLimit::Key::kPrefix:
        key = "prefix";
        break;
      case config::RateLimit::Key::kHeader:
        key = "header";
        break;
      case config::RateLimit::Key::kRoute:
        key = "route";
        break;
    }
    limits.push_back({{"name", limit.name},
                      {"key", key},
                      {"rate", limit.rate},
                      {"burst", limit.burst},
                      {"routes", limit.routes}});
  }
  out["rate_limits"] = limits;
}

}  // namespace floodgate::proxy
