#include "status/hysteresis.h"

#include <algorithm>

namespace floodgate::status {

ComponentStatus Hysteresis::feed(ComponentStatus reading) {
  int now = severity(reading);
  int cur = severity(current_);
  if (now > cur) {
    better_streak_ = 0;
    worse_floor_ = worse_streak_ == 0 ? now : std::min(worse_floor_, now);
    if (++worse_streak_ >= worse_after_) {
      current_ = static_cast<ComponentStatus>(worse_floor_);
      worse_streak_ = 0;
    }
  } else if (now < cur) {
    worse_streak_ = 0;
    better_ceiling_ = better_streak_ == 0 ? now : std::max(better_ceiling_, now);
    if (++better_streak_ >= better_after_) {
      current_ = static_cast<ComponentStatus>(better_ceiling_);
      better_streak_ = 0;
    }
  } else {
    worse_streak_ = 0;
    better_streak_ = 0;
  }
  return current_;
}

}  // namespace floodgate::status
