// GovernorConfig: the governor's knobs — gate thresholds, stage windows, how a rule relaxes —
// as plain values (config/ reads them from the `governor:` section).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::governor {

struct GovernorConfig {
  bool dry_run = false;  // walk the lifecycle and log it, never enforce an automatic rule
  // Collateral gate: the known-good share of a rule's matches in shadow. Above max_collateral
  // the rule is narrowed (it spares known-good clients); above refuse_collateral it is refused.
  double max_collateral = 0.01;
  double refuse_collateral = 0.2;
  // The windows are minimums: a gate judges once its window has passed *and* min_samples
  // requests are behind the numbers. A flood gives thousands a second, so short windows cost
  // little evidence and keep the time to mitigate low; a trickle waits for its samples. Half a
  // second of shadow is one defense tick: a 3,000 req/s flood has 1,500 matches in it, and the
  // users' share of them is judged on 500 of their requests — with the detector's ≤ 0.6 s to
  // find a flood, a challenge acts ~1.1 s after the flood began (issue 4 asks ≤ 2 s).
  Duration shadow_window = std::chrono::milliseconds(500);
  // Canary: enforced on this share of the matching clients (by a hash of the client) for the
  // window; it must show an attack to help against, and do no harm, to be enforced on all. A
  // detector rule whose attack paused waits in canary (up to `hold`); an operator rule with no
  // attack to help against is rolled back (pin it to enforce it regardless).
  double canary_fraction = 0.1;
  Duration canary_window = std::chrono::seconds(1);
  // The effect gate judges an enforced rule over rolling windows of this length.
  Duration effect_window = std::chrono::seconds(10);
  // Disengage gate: relax only after the rule's attack signal stayed down this long, then in
  // relax_steps equal steps of relax_step each; the signal coming back re-enforces at once.
  Duration hold = std::chrono::seconds(30);
  int relax_steps = 3;
  Duration relax_step = std::chrono::seconds(10);
  // Gates judge only with at least this many requests behind the numbers.
  uint64_t min_samples = 20;
  // A detector rule's attack signal: it still matches this share of the rate that triggered it
  // (or the detector proposed it again this tick).
  double signal_share = 0.25;
  // Effect gate: the origin's failure ratio may not rise more than this over its level before
  // the rule acted.
  double max_failure_rise = 0.1;
  // A rolled-back rule's match is not proposed again for this long.
  Duration retry_after = std::chrono::minutes(5);
  // A detector rule that was enforced, then relaxed fully with its attack gone, is enforced
  // again at once (no shadow, no canary) if the detector proposes its match again within this
  // long: a pulse wave with gaps longer than `hold`. The gates judged that very rule minutes ago
  // and it did no harm; the effect gate keeps watching it. 0: always start in shadow.
  Duration reengage_within = std::chrono::minutes(10);
  size_t max_rules = 256;  // live rules; at most shield::RuleTally::kSlots
};

}  // namespace floodgate::governor
