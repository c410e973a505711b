#include "kernel/escalation.h"

#include <algorithm>

namespace floodgate::kernel {

Duration Escalation::penaltyFor(int strike) const {
  Duration d = config_.penalty;
  for (int i = 1; i < strike && d < config_.max_penalty; ++i) d *= 2;
  return std::min(d, config_.max_penalty);
}

void Escalation::forget(MonoTime now) {
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    const Track& t = it->second;
    bool idle = now >= t.probation_until && now >= t.until && now >= t.defied_until &&
                now - t.last_over >= config_.forgive_after;
    it = idle ? tracks_.erase(it) : std::next(it);
  }
}

void Escalation::over(const shield::IpKey& source, Track& t, double rate, bool defied,
                      bool new_hold, MonoTime now, std::vector<Penalty>* begun) {
  const bool continues = t.last_tick + 1 == ticks_;
  t.streak = continues ? t.streak + 1 : 1;
  t.holds_defied = (continues ? t.holds_defied : 0) + (new_hold ? 1 : 0);
  t.last_tick = ticks_;
  t.last_over = now;
  t.rate = rate;
  t.defied = defied;
  // A repeat offender (a penalty served, not yet forgiven) goes back at its first tick over: it
  // has shown what it is, and waiting escalate_after ticks again would hand its flood that long
  // each time a penalty runs out. Only a first offence needs the streak: defy_after ticks of
  // defying holds, two or more (no client that honours Retry-After does), else escalate_after.
  const bool defiant = defied && t.holds_defied >= 2;
  if (t.strikes == 0 && t.streak < (defiant ? config_.defy_after : config_.escalate_after)) return;
  const int streak = t.streak;
  t.streak = 0;
  t.holds_defied = 0;
  ++t.strikes;
  t.until = now + penaltyFor(t.strikes);
  t.probation_until = config_.prefix_probation > 1 ? t.until + penaltyFor(t.strikes) : t.until;
  begun->push_back({source, t.until, t.strikes, rate, defied, streak});
}

std::vector<Escalation::Penalty> Escalation::tick(const std::vector<Refusals>& refused,
                                                  double seconds, MonoTime now,
                                                  const KnownGood& known_good) {
  ++ticks_;
  forget(now);
  MonoTime previous = last_tick_at_;
  last_tick_at_ = now;
  std::vector<Penalty> begun;
  if (!config_.escalate) return begun;
  seconds = std::max(seconds, 1e-3);
  for (const auto& r : refused) {
    double rate = static_cast<double>(r.count) / seconds;
    bool defied = r.defied_until != MonoTime{};
    auto it = tracks_.find(r.source);
    // On probation only one of its sources in prefix_probation gets through to be refused.
    const double needed = it != tracks_.end() && onProbation(it->second, now)
                              ? config_.escalate_rate / config_.prefix_probation
                              : config_.escalate_rate;
    if (rate < needed && !defied) continue;
    if (known_good && known_good(r.source)) continue;  // refused, maybe; dropped, never
    if (it == tracks_.end()) {
      if (tracks_.size() >= kMaxTracked) continue;  // full of worse offenders: next tick
      it = tracks_.emplace(r.source, Track{}).first;
    }
    Track& t = it->second;
    const bool new_hold = r.defied_until > t.defied_until;
    t.defied_until = std::max(t.defied_until, r.defied_until);
    if (now < t.until || t.last_tick == ticks_) continue;  // penalised already (a straggler)
    over(r.source, t, rate, defied, new_hold, now, &begun);
  }
  // Sources not heard of this tick whose defied hold ran into it (a hold of several seconds is
  // defied once, at its start): still over.
  for (auto& [source, t] : tracks_) {
    if (t.last_tick == ticks_ || now < t.until || t.defied_until <= previous) continue;
    if (known_good && known_good(source)) continue;
    over(source, t, 0, true, false, now, &begun);
  }
  return begun;
}

std::vector<Escalation::Penalty> Escalation::active(MonoTime now) const {
  std::vector<Penalty> out;
  for (const auto& [source, t] : tracks_) {
    if (now < t.until) out.push_back({source, t.until, t.strikes, t.rate, t.defied});
  }
  return out;
}

std::vector<Escalation::Penalty> Escalation::probation(MonoTime now) const {
  std::vector<Penalty> out;
  for (const auto& [source, t] : tracks_) {
    if (onProbation(t, now)) out.push_back({source, t.probation_until, t.strikes, t.rate, false});
  }
  return out;
}

bool Escalation::release(const shield::IpKey& source, MonoTime now) {
  auto it = tracks_.find(source);
  if (it == tracks_.end() || !onProbation(it->second, now)) return false;
  it->second.probation_until = now;
  return true;
}

}  // namespace floodgate::kernel
