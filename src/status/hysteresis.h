// Hysteresis for a component's status: worse only after `worse_after` consecutive worse
// seconds, better only after `better_after` consecutive better ones, so one bad second (or one
// lucky one in an outage) does not make the page flicker. A move goes only as far as every
// second of the streak agrees: three seconds of major, partial, major move to partial.
#pragma once

#include "status/model.h"

namespace floodgate::status {

class Hysteresis {
 public:
  Hysteresis(int worse_after, int better_after,
             ComponentStatus initial = ComponentStatus::kOperational)
      : worse_after_(worse_after), better_after_(better_after), current_(initial) {}

  // One second's reading; the status after it.
  ComponentStatus feed(ComponentStatus reading);
  ComponentStatus current() const { return current_; }

 private:
  int worse_after_;
  int better_after_;
  ComponentStatus current_;
  int worse_streak_ = 0;
  int worse_floor_ = 0;  // the mildest reading of the worse streak
  int better_streak_ = 0;
  int better_ceiling_ = 0;  // the worst reading of the better streak
};

}  // namespace floodgate::status
