#include "governor/gates.h"

#include <fmt/format.h>

namespace floodgate::governor {
namespace {

double share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

CollateralVerdict collateralGate(const shield::RuleCounts& shadow, const GovernorConfig& config,
                                 shield::RuleAction action) {
  CollateralVerdict v;
  v.share = share(shadow.matched_known_good, shadow.matched);
  if (shadow.matched < config.min_samples) {
    v.reason =
        fmt::format("{} matches so far, {} needed to judge", shadow.matched, config.min_samples);
    return v;
  }
  std::string numbers = fmt::format("{} of its {} matches ({:.1f}%) came from known-good clients",
                                    shadow.matched_known_good, shadow.matched, v.share * 100);
  if (v.share > config.refuse_collateral && action == shield::RuleAction::kChallenge) {
    v.kind = CollateralVerdict::Kind::kNarrow;
    v.reason = fmt::format(
        "{}, above the {:.1f}% at which a rule is refused, but a challenge: narrowed to spare "
        "them, unknown clients that keep cookies pass it",
        numbers, config.refuse_collateral * 100);
  } else if (v.share > config.refuse_collateral) {
    v.kind = CollateralVerdict::Kind::kRefuse;
    v.reason = fmt::format("{}, above the {:.1f}% at which a rule is refused", numbers,
                           config.refuse_collateral * 100);
  } else if (v.share > config.max_collateral) {
    v.kind = CollateralVerdict::Kind::kNarrow;
    v.reason = fmt::format("{}, above max_collateral {:.1f}%: narrowed to spare them", numbers,
                           config.max_collateral * 100);
  } else {
    v.kind = CollateralVerdict::Kind::kPass;
    v.reason =
        fmt::format("{}, within max_collateral {:.1f}%", numbers, config.max_collateral * 100);
  }
  return v;
}

HarmVerdict harmTest(const shield::RuleCounts& window, const OriginWindow& before,
                     const OriginWindow& now, bool attack_active, const GovernorConfig& config) {
  HarmVerdict v;
  double hit = share(window.enforced_known_good, window.enforced);
  if (window.enforced >= config.min_samples && window.enforced_known_good > 0 &&
      hit > config.max_collateral) {
    v.harm = v.known_good = true;
    v.reason = fmt::format(
        "it refused {} requests of known-good clients ({:.1f}% of the {} it "
        "acted on, max_collateral {:.1f}%)",
        window.enforced_known_good, hit * 100, window.enforced, config.max_collateral * 100);
    return v;
  }
  if (!attack_active && now.attempts >= config.min_samples &&
      now.failureRatio() > before.failureRatio() + config.max_failure_rise) {
    v.harm = true;
    v.reason = fmt::format("the origin fails {:.1f}% of attempts with it, {:.1f}% before it acted",
                           now.failureRatio() * 100, before.failureRatio() * 100);
  }
  return v;
}

}  // namespace floodgate::governor
