// Stage: where a mitigation rule is in its lifecycle. proposed → shadow → canary → enforced →
// relaxing → expired, or rolled back from any step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace floodgate::governor {

enum class Stage : uint8_t {
  kProposed,    // just adopted; nothing counted yet
  kShadow,      // matched and counted, not enforced
  kCanary,      // enforced on a fraction of the matching clients
  kEnforced,    // enforced on every matching client
  kRelaxing,    // enforced on a shrinking fraction: the attack signal has been down for `hold`
  kExpired,     // done: the attack ended, its time ran out, or an operator expired it
  kRolledBack,  // a gate (or the kill switch) took it back
};

inline constexpr size_t kStageCount = 7;

const char* stageName(Stage stage);  // "proposed", "shadow", ...
bool isFinal(Stage stage);           // expired or rolled back

}  // namespace floodgate::governor
