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
    bool idle = now >= t.until && now - t.last_over >= config_.forgive_after;
    it = idle ? tracks_.erase(it) : std::next(it);
  }
}

std::vector<Escalation::Penalty> Escalation::tick(
    const std::vector<std::pair<shield::IpKey, uint64_t>>& refused, double seconds, MonoTime now,
    const KnownGood& known_good) {
  ++ticks_;
  forget(now);
  std::vector<Penalty> begun;
  if (!config_.escalate) return begun;
  seconds = std::max(seconds, 1e-3);
  for (const auto& [source, count] : refused) {
    double rate = static_cast<double>(count) / seconds;
    if (rate < config_.escalate_rate) continue;
    if (known_good && known_good(source)) continue;  // refused, maybe; dropped, never
    auto it = tracks_.find(source);
    if (it == tracks_.end()) {
      if (tracks_.size() >= kMaxTracked) continue;  // full of worse offenders: next tick
      it = tracks_.emplace(source, Track{}).first;
    }
    Track& t = it->second;
    if (now < t.until) continue;  // already penalised (a straggler from before the drop)
    t.streak = t.last_tick + 1 == ticks_ ? t.streak + 1 : 1;
    t.last_tick = ticks_;
    t.last_over = now;
    t.rate = rate;
    if (t.streak < config_.escalate_after) continue;
    t.streak = 0;
    ++t.strikes;
    t.until = now + penaltyFor(t.strikes);
    begun.push_back({source, t.until, t.strikes, rate});
  }
  return begun;
}

std::vector<Escalation::Penalty> Escalation::active(MonoTime now) const {
  std::vector<Penalty> out;
  for (const auto& [source, t] : tracks_) {
    if (now < t.until) out.push_back({source, t.until, t.strikes, t.rate});
  }
  return out;
}

}  // namespace floodgate::kernel
