#include "shield/adaptive_limit.h"

#include <algorithm>
#include <cmath>

namespace floodgate::shield {

AdaptiveLimit::AdaptiveLimit(const AdaptiveLimitConfig& config)
    : config_(config), limit_(config.max_limit), calm_ticks_(config.careful_ticks) {}

void AdaptiveLimit::reconfigure(const AdaptiveLimitConfig& config) {
  config_ = config;
  limit_ = std::clamp(limit_, config_.min_limit, config_.max_limit);
  while (means_.size() > static_cast<size_t>(std::max(1, config_.baseline_ticks))) {
    means_.pop_front();
  }
}

void AdaptiveLimit::adopt(int limit) {
  limit = std::clamp(limit, config_.min_limit, config_.max_limit);
  if (limit < limit_) {
    calm_ticks_ = 0;
    cut_from_ = limit_;  // the gate cut on refusals; update() learns where from the sample
  }
  limit_ = limit;
}

int AdaptiveLimit::cutFloor() const {
  if (ceiling_ <= 0 || limit_ + 1 < ceiling_) return config_.min_limit;
  return std::clamp(ceiling_ - 1, config_.min_limit, limit_);
}

double AdaptiveLimit::normalLatencyMs() const {
  return means_.empty() ? 0 : *std::min_element(means_.begin(), means_.end());
}

const char* AdaptiveLimit::stepName(Step step) {
  switch (step) {
    case Step::kHold: return "hold";
    case Step::kGrow: return "grow";
    case Step::kCutOverload: return "cut (origin overloaded)";
    case Step::kCutLatency: return "cut (latency)";
    case Step::kTrimQueueing: return "trim (origin queueing)";
  }
  return "?";
}

AdaptiveLimit::Step AdaptiveLimit::update(const LimitSample& s) {
  Step step = decide(s);
  last_step_ = step;
  return step;
}

AdaptiveLimit::Step AdaptiveLimit::decide(const LimitSample& s) {
  // Judge this tick against the normal learned before it, then let it teach.
  double normal = normalLatencyMs();
  bool judged = s.latency_count >= config_.min_samples;
  double mean = judged ? s.latency_sum_ms / static_cast<double>(s.latency_count) : 0;
  bool overloaded = s.completed > 0 && static_cast<double>(s.overloaded) >
                                          config_.overload_share * static_cast<double>(s.completed);
  bool slow = judged && normal > 0 && mean > normal * config_.latency_tolerance + 1.0;
  bool binding = s.wanted_more > 0 || s.peak_in_flight >= limit_;
  if (cut_from_ > 0) {
    // The gate cut on refusals since the last tick, at no more than the tick's peak in flight
    // (from a limit of 1024 it cuts many times in the tick; the peak says where it bit).
    ceiling_ = std::clamp(s.peak_in_flight, limit_ + 1, std::max(limit_ + 1, cut_from_));
    cut_from_ = 0;
  }
  saturated_ = s.wanted_more > 0 && filled(s);
  slow_at_floor_ = slow && !overloaded && limit_ <= config_.min_limit ? slow_at_floor_ + 1 : 0;
  double held = s.latency_sum_ms / 1000.0;  // served exchanges in flight, on average
  bool served_less = judged && last_served_ > 0 && held > last_held_ &&
                     static_cast<double>(s.latency_count) <
                         config_.served_less * static_cast<double>(last_served_);
  last_served_ = judged ? s.latency_count : 0;
  last_held_ = held;
  if (slow && !overloaded) {
    bool at_floor = slow_at_floor_ >= std::max(1, config_.rebaseline_ticks);
    // A cut, on latency or on refusals, after which the origin is as slow as when it was made.
    bool no_relief = (last_step_ == Step::kCutLatency || last_step_ == Step::kCutOverload) &&
                     last_cut_mean_ > 0 && mean >= last_cut_mean_ * config_.no_relief;
    // The origin slowed by itself (the tick is part fast, part slow: its end tells the new pace).
    bool slowed = served_less && last_step_ != Step::kGrow;
    if (at_floor || no_relief || slowed) {
      if (slowed) {
        mean = std::max(mean, s.recent_latency_ms);
        // Slowed with more wanted than the limit let in: demand beyond what it serves now (the
        // tick's average, half of it fast, does not show the limit filled).
        saturated_ = saturated_ || s.wanted_more > 0;
      }
      means_.assign(1, mean);  // the origin's new normal: judge (and grow) from here
      slow_at_floor_ = 0;
      slow = false;
      normal = mean;
      // The cuts came from a stale normal, not from the origin refusing near here: grow at the
      // full pace at once, from where a latency cut that relieved nothing found the limit.
      calm_ticks_ = std::max(calm_ticks_, config_.careful_ticks);
      if (no_relief && last_step_ == Step::kCutLatency) limit_ = std::max(limit_, cut_from_limit_);
    }
  }
  // Learn the normal only from ticks when the limit did not bind: latency at the edge is what
  // the limit is judged by, and learning from it would let the normal (and the limit) creep up.
  if (judged && !overloaded && !slow && !binding) {
    means_.push_back(mean);
    if (means_.size() > static_cast<size_t>(std::max(1, config_.baseline_ticks))) {
      means_.pop_front();
    }
  }
  if (overloaded || slow) {
    // Cut from what was really in flight: a limit far above use would otherwise take many
    // ticks to come down to where it bites.
    int used = std::max(1, std::min(limit_, s.peak_in_flight));
    double target = std::floor(static_cast<double>(used) * config_.decrease);
    double held_ms = judged ? mean : normal;
    double served = static_cast<double>(s.completed - s.overloaded);
    // Shown saturated: its work held at least half of what was tried all tick, or it refused
    // more than it served. Otherwise the refusals came from a burst in a lighter tick (a
    // storm's start), whose average says nothing of where the origin's slots end.
    bool at_capacity = held >= 0.5 * used || static_cast<double>(s.overloaded) >= served;
    if (overloaded && held_ms > 0 && at_capacity) {
      // The concurrency the origin did serve (Little's law): exchanges per tick (a second)
      // that it answered, each holding a slot `held_ms`. Proportional to what it did rather
      // than a fixed share of what was tried: one above the origin's slots comes back to its
      // slots, not to 4/5 of them; a flood far above comes down at once.
      target = std::min(static_cast<double>(used - 1), std::ceil(served * held_ms / 1000.0));
    }
    if (overloaded) ceiling_ = used;
    cut_from_limit_ = limit_;
    limit_ = std::clamp(static_cast<int>(target), config_.min_limit, limit_);
    calm_ticks_ = 0;
    last_cut_mean_ = mean;
    return overloaded ? Step::kCutOverload : Step::kCutLatency;
  }
  if (binding && queueing(s, normal, mean)) {
    // The origin's work filled the limit, yet at the normal latency it served at least an
    // exchange's worth less: the rest waited inside it. Keep one beyond what it served.
    double served_at_normal = static_cast<double>(s.latency_count) * normal / 1000.0;
    int target = std::max(config_.min_limit, static_cast<int>(std::ceil(served_at_normal)) + 1);
    if (target < limit_) {
      ceiling_ = limit_;
      limit_ = target;
      calm_ticks_ = 0;
      return Step::kTrimQueueing;
    }
  }
  ++calm_ticks_;
  // Grow only a limit that binds: room nobody asked for proves nothing about the origin.
  if (!binding || limit_ >= config_.max_limit) return Step::kHold;
  // Carefully just after a cut (the origin said no near here), then by √limit, as Envoy's
  // gradient controller adds headroom.
  int grow = calm_ticks_ <= config_.careful_ticks
                 ? 1
                 : std::max(1, static_cast<int>(std::sqrt(static_cast<double>(limit_))));
  if (ceiling_ > 0) {
    if (limit_ >= ceiling_) {
      ceiling_ = 0;  // a whole tick at the ceiling, unrefused: the origin takes more now
    } else if (limit_ + 1 >= ceiling_) {
      // Hold one below where it refused; try that again now and then.
      if (calm_ticks_ < config_.probe_ticks) return Step::kHold;
      grow = 1;
    } else {
      grow = std::min(grow, ceiling_ - 1 - limit_);  // up to the hold, not past it
    }
  }
  limit_ = std::min(config_.max_limit, limit_ + grow);
  return Step::kGrow;
}

bool AdaptiveLimit::filled(const LimitSample& s) const {
  // Exchanges × latency over a tick of a second: the mean number in flight (Little's law).
  return s.latency_count >= config_.min_samples &&
         s.latency_sum_ms / 1000.0 >= config_.full_share * static_cast<double>(limit_);
}

bool AdaptiveLimit::queueing(const LimitSample& s, double normal, double mean) const {
  return normal > 0 && filled(s) && mean > normal * (1 + config_.queue_tolerance) + 0.3;
}

}  // namespace floodgate::shield
