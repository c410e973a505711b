#include "storm/derive.h"

#include <algorithm>
#include <chrono>

namespace floodgate::storm {
namespace {

size_t wholeSecond(Duration d) {
  return static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

// Under 5% of what got out reached the origin; or none did, whatever got out (a flood held back
// entirely, nothing out, nothing in).
bool mitigated(const AttackSample& s) {
  return s.admitted &&
         (*s.admitted == 0 ||
          static_cast<double>(*s.admitted) < kMitigatedShare * static_cast<double>(s.offered));
}

}  // namespace

AttackWindow attackWindowOf(const std::vector<Phase>& phases) {
  AttackWindow w;
  for (size_t i = 0; i < phases.size(); ++i) {
    if (!phases[i].attack) continue;
    size_t j = i;
    while (j + 1 < phases.size() && phases[j + 1].attack) ++j;
    w.start = wholeSecond(phases[i].start);
    w.end = wholeSecond(phases[j].end());
    break;
  }
  return w;
}

std::optional<double> timeToMitigate(const std::vector<AttackSample>& window) {
  bool asked = false;
  uint64_t peak = 0;
  auto meant = [](const AttackSample& s) { return std::max(s.offered, s.due); };
  for (const auto& s : window) {
    asked = asked || s.admitted.has_value();
    peak = std::max(peak, meant(s));
  }
  if (!asked || peak == 0) return std::nullopt;
  // Only seconds when the attack is on count: a pulse's pause (or the straggling end of a
  // burst) neither proves nor disproves a mitigation.
  auto on = [&](const AttackSample& s) {
    return static_cast<double>(meant(s)) >= kQuietShare * static_cast<double>(peak);
  };
  std::optional<size_t> first_good;
  for (size_t i = window.size(); i-- > 0;) {
    if (!on(window[i])) continue;
    if (!mitigated(window[i])) break;
    first_good = i;
  }
  if (!first_good) return std::nullopt;
  return static_cast<double>(*first_good);
}

bool withinBand(const LegitSample& s, const Baseline& base, const BaselineBand& band) {
  if (s.outcomes == 0) return s.scheduled == 0;
  double success = static_cast<double>(s.ok) / static_cast<double>(s.outcomes);
  if (success < base.success - band.success_drop) return false;
  if (s.ok == 0) return false;
  double limit_us = static_cast<double>(base.p99_us) * band.p99_factor +
                    static_cast<double>(band.p99_slack.count()) / 1e3;
  return static_cast<double>(s.p99_us) <= limit_us;
}

std::optional<double> timeToRecover(const std::vector<LegitSample>& after, const Baseline& base,
                                    const BaselineBand& band) {
  size_t settle = std::max<size_t>(
      1,
      static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(band.settle).count()));
  size_t run = 0;  // seconds in band in a row, counting back from the end
  std::optional<size_t> first_good;
  for (size_t i = after.size(); i-- > 0;) {
    run = withinBand(after[i], base, band) ? run + 1 : 0;
    if (run > 0 && (run >= settle || i + run == after.size())) first_good = i;
  }
  if (!first_good) return std::nullopt;
  return static_cast<double>(*first_good);
}

}  // namespace floodgate::storm
