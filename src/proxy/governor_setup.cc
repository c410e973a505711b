#include "proxy/governor_setup.h"

#include <algorithm>
#include <vector>

#include "core/log.h"
#include "governor/operator_rule.h"

namespace floodgate::proxy {

void ConfigRules::apply(const config::Governor& section, governor::Governor& governor,
                        MonoTime now) {
  std::vector<Adopted> next;
  std::vector<const config::OperatorRuleConfig*> added;
  for (const auto& r : section.rules) {
    auto same = std::find_if(adopted_.begin(), adopted_.end(),
                             [&r](const Adopted& a) { return a.rule == r; });
    if (same != adopted_.end()) {
      next.push_back(std::move(*same));
      adopted_.erase(same);
    } else {
      added.push_back(&r);
    }
  }
  // First end the rules gone from the config (an edited rule is one of them), so that its new
  // version, matching the same, can take its place.
  for (const auto& a : adopted_) {
    (void)governor.expire(a.id, now);  // an error only if it had already ended
  }
  for (const config::OperatorRuleConfig* r : added) {
    governor::OperatorRuleSpec spec = r->spec;
    if (spec.reason.empty()) spec.reason = "config rule " + r->name;
    auto rule = governor::operatorRule(spec);
    auto id = rule ? governor.addOperatorRule(*rule, now) : Result<uint64_t>(Error{rule.error()});
    if (!id) {
      spdlog::warn("governor: config rule {} not adopted: {}", r->name, id.error());
      continue;
    }
    next.push_back({*r, *id});
  }
  adopted_ = std::move(next);
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
