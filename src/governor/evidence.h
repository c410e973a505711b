// The numbers the governor's events and views carry, shared by its two halves (the lifecycle
// in governor.cc, the operator views in governor_views.cc).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "shield/rule_tally.h"

namespace floodgate::governor {

inline double secondsOf(Duration d) { return std::chrono::duration<double>(d).count(); }

inline nlohmann::json countsJson(const shield::RuleCounts& c) {
  return {{"matched", c.matched},
          {"matched_known_good", c.matched_known_good},
          {"enforced", c.enforced},
          {"enforced_known_good", c.enforced_known_good}};
}

// The rule's enforced share against its not-enforced share (the canary's comparison): requests
// and how many of them came from known-good clients.
inline nlohmann::json sharesJson(const shield::RuleCounts& c) {
  return {{"enforced_share", {{"requests", c.enforced}, {"known_good", c.enforced_known_good}}},
          {"not_enforced_share",
           {{"requests", c.matched - c.enforced},
            {"known_good", c.matched_known_good - c.enforced_known_good}}}};
}

}  // namespace floodgate::governor
