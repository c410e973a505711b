// Escalation: repeat offenders go to the kernel drop. A source that floodgate keeps refusing
// (429s) faster than `escalate_rate` for `escalate_after` consecutive ticks, or that keeps
// sending to its tarpitted connections before their Retry-After (the tarpit holds a flood tool to
// a few 429s a second: its rate alone would never escalate it) for `defy_after` with two holds
// defied or more (one hold defied once is a client's slip, or a long hold: escalate_after
// then), gets a penalty: `penalty`, doubled
// on each repeat up to `max_penalty` (a repeat needs one tick over, not escalate_after),
// forgotten once the source has stayed clean for `forgive_after`. Never a known-good client,
// never one that waits out its Retry-After. Bounded: at most kMaxTracked sources.
// Networks (prefix_probation > 1): a penalty served is followed by a probation as long, in which
// the kernel lets one source in prefix_probation through. A flood's stalled connections then
// come back a few at a time, not all at once: one tick over escalate_rate / prefix_probation
// puts the network back (the next penalty); a tick in which it is served ends the probation.
// Deterministic (the caller passes the time): control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "shield/ip_prefix.h"

namespace floodgate::kernel {

class Escalation {
 public:
  static constexpr size_t kMaxTracked = 4096;

  struct Penalty {
    shield::IpKey source;
    MonoTime until{};
    int strike = 0;       // 1 for a first penalty, 2 for the next...
    double rate = 0;      // refusals per second in the tick that escalated it
    bool defied = false;  // that tick it was (also) defying a tarpit hold
    int ticks = 0;        // the ticks over in a row that escalated it (1 for a repeat)
  };
  // What one tick saw of a source: its 429s, and the end of the latest tarpit hold it defied
  // during the tick (MonoTime{}: none). A defied hold counts in every tick it runs into.
  struct Refusals {
    shield::IpKey source;
    uint64_t count = 0;
    MonoTime defied_until{};
  };
  using KnownGood = std::function<bool(const shield::IpKey&)>;

  explicit Escalation(const config::KernelDrop& config) : config_(config) {}
  void setConfig(const config::KernelDrop& config) { config_ = config; }

  // One tick: the sources refused during it (with their counts) over `seconds`. Returns the
  // penalties that begin now.
  std::vector<Penalty> tick(const std::vector<Refusals>& refused, double seconds, MonoTime now,
                            const KnownGood& known_good);
  // The penalties running at `now`.
  std::vector<Penalty> active(MonoTime now) const;
  // The probations running at `now` (`until`: its end), each after a penalty it follows.
  std::vector<Penalty> probation(MonoTime now) const;
  // The subject was served in this tick: its probation, if one runs, ends now (true).
  bool release(const shield::IpKey& source, MonoTime now);
  size_t tracked() const { return tracks_.size(); }

 private:
  struct Track {
    uint64_t last_tick = 0;  // the last tick it was over the rate
    int streak = 0;          // consecutive ticks over the rate
    int strikes = 0;         // penalties since it was last forgiven
    MonoTime last_over{};
    MonoTime until{};         // its penalty runs while now < until
    MonoTime probation_until{};  // then its probation, while now < probation_until
    MonoTime defied_until{};  // the latest end of a tarpit hold it defied
    int holds_defied = 0;     // distinct holds defied in the current streak
    double rate = 0;
    bool defied = false;  // in the last tick it was over
  };
  Duration penaltyFor(int strike) const;
  bool onProbation(const Track& t, MonoTime now) const {
    return now >= t.until && now < t.probation_until;
  }
  void forget(MonoTime now);
  // The source was over in this tick; a penalty if that makes escalate_after in a row (defy_after
  // for one that has defied two holds or more in the streak).
  // `new_hold`: it defied a hold this tick that it had not before.
  void over(const shield::IpKey& source, Track& t, double rate, bool defied, bool new_hold,
            MonoTime now, std::vector<Penalty>* begun);

  config::KernelDrop config_;
  uint64_t ticks_ = 0;
  MonoTime last_tick_at_{};  // the previous tick's time: a hold running past it ran into this one
  std::unordered_map<shield::IpKey, Track, shield::IpKeyHash> tracks_;
};

}  // namespace floodgate::kernel
