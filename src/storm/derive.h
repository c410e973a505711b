// The derived figures of DESIGN.md, computed from per-second samples so they can be checked
// against synthetic series:
//   time to mitigate: from attack start until attack traffic admitted to the origin stays under
//     5% of its offered rate;
//   time to recover: from attack end until legitimate success and latency are back within
//     their baseline band, and stay there for the band's settle time (a noisy second long after
//     the attack does not undo a recovery).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "storm/scenario.h"

namespace floodgate::storm {

constexpr double kMitigatedShare = 0.05;
// A second whose attack is under this share of the window's peak counts as "off". What counts
// is what the attack meant to send (its schedule), not what it got out: a flood the target holds
// back (a tarpit that stops reading its connections) is still on.
constexpr double kQuietShare = 0.05;

// One second of the attack window.
struct AttackSample {
  uint64_t offered = 0;              // attack requests attempted in this second
  std::optional<uint64_t> admitted;  // of them, reached the origin (unknown: not asked)
  uint64_t due = 0;  // requests its schedule made due, sent or not (0: as many as offered)
};

// One second of legitimate traffic.
struct LegitSample {
  uint64_t scheduled = 0;
  uint64_t outcomes = 0;  // requests that ended (answered or failed)
  uint64_t ok = 0;        // 2xx/3xx
  uint64_t p99_us = 0;    // of successful responses (meaningless when ok == 0)
};

struct Baseline {
  double success = 0;
  uint64_t p99_us = 0;
};

// The first contiguous run of attack phases, in whole seconds [start, end).
struct AttackWindow {
  size_t start = 0;
  size_t end = 0;
  bool present() const { return end > start; }
};
AttackWindow attackWindowOf(const std::vector<Phase>& phases);

// Seconds from the window's start until mitigated for good, judged only on the seconds when the
// attack is on; nullopt when never (within the window) or when the origin could not be asked.
std::optional<double> timeToMitigate(const std::vector<AttackSample>& window);

// Seconds from the attack's end until back in the band for `band.settle` seconds in a row (or
// until the samples end, if sooner); nullopt when never within the samples given.
std::optional<double> timeToRecover(const std::vector<LegitSample>& after, const Baseline& base,
                                    const BaselineBand& band);
bool withinBand(const LegitSample& s, const Baseline& base, const BaselineBand& band);

}  // namespace floodgate::storm
