// Time as the rest of floodgate sees it: a monotonic clock behind a seam, so tests can drive it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace floodgate {

using MonoClock = std::chrono::steady_clock;
using MonoTime = MonoClock::time_point;
using Duration = std::chrono::nanoseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;
  // Wall time in Unix milliseconds, for logs and reports.
  virtual int64_t wallMillis() const = 0;
};

class RealClock final : public Clock {
 public:
  MonoTime now() const override { return MonoClock::now(); }
  int64_t wallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static RealClock& instance() {
    static RealClock clock;
    return clock;
  }
};

// A clock that moves only when a test says so.
class ManualClock final : public Clock {
 public:
  MonoTime now() const override { return MonoTime(Duration(nanos_.load())); }
  int64_t wallMillis() const override { return 1'700'000'000'000 + nanos_.load() / 1'000'000; }
  void advance(Duration d) { nanos_ += d.count(); }

 private:
  std::atomic<int64_t> nanos_{1'000'000'000};
};

inline int64_t toMillis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// How many ticks of `tick` it takes to cover `span`, rounded up (a tick under 1 ms counts as
// 1 ms): a count of 1 s ticks rescaled to another tick keeps its span in seconds.
inline uint32_t ticksIn(Duration span, Duration tick) {
  using Seconds = std::chrono::duration<double>;
  return static_cast<uint32_t>(
      std::ceil(Seconds(span).count() / std::max(Seconds(tick).count(), 1e-3)));
}

}  // namespace floodgate
