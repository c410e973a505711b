#include "storm/schedule.h"

#include <algorithm>
#include <cmath>

namespace floodgate::storm {

ActiveWindows::ActiveWindows(std::vector<std::pair<Duration, Duration>> windows) {
  std::sort(windows.begin(), windows.end());
  for (const auto& w : windows) {
    if (w.second <= w.first) continue;
    if (!windows_.empty() && w.first <= windows_.back().second) {
      windows_.back().second = std::max(windows_.back().second, w.second);
    } else {
      windows_.push_back(w);
    }
  }
  for (const auto& w : windows_) total_ += w.second - w.first;
}

ActiveWindows ActiveWindows::forGroup(const std::vector<Phase>& phases, const ClientGroup& g) {
  std::vector<std::pair<Duration, Duration>> spans;
  for (size_t i : g.phases) spans.emplace_back(phases[i].start, phases[i].end());
  ActiveWindows merged(std::move(spans));
  if (g.pulse_on <= Duration::zero() || g.pulse_off <= Duration::zero()) return merged;
  std::vector<std::pair<Duration, Duration>> pulses;
  for (const auto& [from, to] : merged.windows()) {
    for (Duration t = from; t < to; t += g.pulse_on + g.pulse_off) {
      pulses.emplace_back(t, std::min(t + g.pulse_on, to));
    }
  }
  return ActiveWindows(std::move(pulses));
}

bool ActiveWindows::activeAt(Duration t) const {
  for (const auto& [from, to] : windows_) {
    if (t < from) return false;
    if (t < to) return true;
  }
  return false;
}

Duration ActiveWindows::activeTimeBefore(Duration t) const {
  Duration sum{};
  for (const auto& [from, to] : windows_) {
    if (t <= from) break;
    sum += std::min(t, to) - from;
  }
  return sum;
}

Duration ActiveWindows::offsetOfActiveTime(Duration active) const {
  Duration seen{};
  for (const auto& [from, to] : windows_) {
    Duration len = to - from;
    if (active < seen + len) return from + (active - seen);
    seen += len;
  }
  return end();
}

uint64_t RequestSchedule::dueBy(MonoTime now) const {
  if (now <= start_) return 0;
  Duration active = windows_->activeTimeBefore(now - start_);
  double exact = static_cast<double>(active.count()) * rate_ / 1e9;
  return static_cast<uint64_t>(std::ceil(exact - 1e-9));
}

MonoTime RequestSchedule::intendedTime(uint64_t k) const {
  auto active = Duration(static_cast<int64_t>(std::llround(static_cast<double>(k) * 1e9 / rate_)));
  return start_ + windows_->offsetOfActiveTime(active);
}

}  // namespace floodgate::storm
