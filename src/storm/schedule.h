// When a client group sends: its active windows (its phases, cut into pulses) and an open-loop
// request schedule over them. Request k is due at a fixed time whether or not earlier requests
// were answered, and its latency is measured from that time (no coordinated omission).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "storm/scenario.h"

namespace floodgate::storm {

// Offsets from the run's start during which a group plays, sorted and disjoint.
class ActiveWindows {
 public:
  ActiveWindows() = default;
  explicit ActiveWindows(std::vector<std::pair<Duration, Duration>> windows);
  // The group's phases (adjacent ones merged), cut into on/off pulses when it pulses.
  static ActiveWindows forGroup(const std::vector<Phase>& phases, const ClientGroup& group);

  bool activeAt(Duration t) const;
  // Total active time in [0, t).
  Duration activeTimeBefore(Duration t) const;
  // The earliest offset at which activeTimeBefore() reaches `active` (inverse of the above).
  Duration offsetOfActiveTime(Duration active) const;
  Duration totalActive() const { return total_; }
  Duration end() const { return windows_.empty() ? Duration{} : windows_.back().second; }
  const std::vector<std::pair<Duration, Duration>>& windows() const { return windows_; }

 private:
  std::vector<std::pair<Duration, Duration>> windows_;
  Duration total_{};
};

class RequestSchedule {
 public:
  RequestSchedule(const ActiveWindows* windows, double rate, MonoTime start)
      : windows_(windows), rate_(rate), start_(start) {}

  // How many requests are due before `now` in total (k is due when k/rate < active time).
  uint64_t dueBy(MonoTime now) const;
  // When request k is due.
  MonoTime intendedTime(uint64_t k) const;
  // Calls fn(k, intended) for each request due by `now` that was not handed out yet.
  template <class Fn>
  void takeDue(MonoTime now, Fn&& fn) {
    uint64_t due = dueBy(now);
    for (; issued_ < due; ++issued_) fn(issued_, intendedTime(issued_));
  }
  uint64_t issued() const { return issued_; }
  double rate() const { return rate_; }

 private:
  const ActiveWindows* windows_;
  double rate_;
  MonoTime start_;
  uint64_t issued_ = 0;
};

}  // namespace floodgate::storm
