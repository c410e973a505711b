// PriorityClass: who gets the origin's capacity first when it is contested — clients known
// before the trouble, then strangers, then those a rule has marked.
#pragma once

#include <cstdint>

namespace floodgate::shield {

enum class PriorityClass : uint8_t { kKnownGood, kUnknown, kSuspicious };

constexpr const char* priorityClassName(PriorityClass c) {
  return c == PriorityClass::kKnownGood ? "known_good"
         : c == PriorityClass::kUnknown ? "unknown"
                                        : "suspicious";
}

// known_good: KnownGoodSet::isKnownGood (succeeded before the current anomaly);
// deprioritised: the request matched a kDeprioritise rule; anomaly_active: Detector::status().
//
// A matching rule beats history: a rule is evidence about this traffic now, while known-good is
// only its past (a regular's machine can be recruited into a botnet, and the governor checks
// how much known-good traffic a rule hits before enforcing it). But once the anomaly has
// cleared, a deprioritise rule still waiting to expire demotes only to kUnknown: the attack it
// was about is over.
constexpr PriorityClass classifyRequest(bool known_good, bool deprioritised, bool anomaly_active) {
  if (deprioritised) return anomaly_active ? PriorityClass::kSuspicious : PriorityClass::kUnknown;
  return known_good ? PriorityClass::kKnownGood : PriorityClass::kUnknown;
}

}  // namespace floodgate::shield
