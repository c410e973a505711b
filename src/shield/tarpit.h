// Tarpit: a keep-alive connection that keeps drawing 429s is not read again until its
// Retry-After has passed. A client that honours Retry-After never notices (it would not have
// asked sooner); a flood tool that does not is held to one request per Retry-After per
// connection, its next requests waiting in the kernel's receive buffer at no cost to the
// gateway (a pipelining one is stopped by TCP flow control). One per connection, a few bytes:
// the connections it holds are counted by the per-source and global connection caps, and held
// no longer than an idle connection could be. A client that sends while held did not wait for its
// Retry-After: reported (defied()), it counts toward the kernel drop's escalation. The caller
// counts challenges ignored in a row like 429s, with a hold of a second (no browser ignores one).
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::shield {

class Tarpit {
 public:
  // A 429 went out at `now` saying Retry-After `retry_after`. After `after` of them in a row
  // (0: never) the connection is held until `now + retry_after`, at most `max_hold`, unless
  // `known_good()` (asked only then): known-good clients are never held. True when the
  // connection is held now.
  template <class KnownGood>
  bool refused(MonoTime now, Duration retry_after, int after, Duration max_hold,
               const KnownGood& known_good) {
    if (in_row_ < UINT16_MAX) ++in_row_;
    if (after <= 0 || in_row_ < after || known_good()) return false;
    until_ = now + std::min(retry_after, max_hold);
    defied_ = false;
    return until_ > now;
  }
  // The client sent more while held at `now` (it did not wait for its Retry-After): true the
  // first time in a hold, when it is worth reporting.
  bool defied(MonoTime now) {
    if (!holding(now) || defied_) return false;
    defied_ = true;
    return true;
  }
  // Anything but a 429 was answered: the run is broken.
  void answered() { in_row_ = 0; }
  // Whether the connection must not be read at `now`.
  bool holding(MonoTime now) const { return until_ > now; }
  MonoTime until() const { return until_; }
  void release() { until_ = MonoTime{}; }
  int inRow() const { return in_row_; }

 private:
  MonoTime until_{};
  uint16_t in_row_ = 0;
  bool defied_ = false;
};

}  // namespace floodgate::shield
