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
  if (limit < limit_) calm_ticks_ = 0;
  limit_ = limit;
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
  slow_at_floor_ = slow && !overloaded && limit_ <= config_.min_limit ? slow_at_floor_ + 1 : 0;
  if (slow && !overloaded) {
    bool at_floor = slow_at_floor_ >= std::max(1, config_.rebaseline_ticks);
    bool no_relief =
        last_step_ == Step::kCutLatency && mean >= last_cut_mean_ * config_.no_relief;
    if (at_floor || no_relief) {
      means_.assign(1, mean);  // the origin's new normal: judge (and grow) from here
      slow_at_floor_ = 0;
      slow = false;
      // The cuts came from a stale normal, not from the origin refusing near here: grow at the
      // full pace at once.
      calm_ticks_ = std::max(calm_ticks_, config_.careful_ticks);
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
    if (overloaded && normal > 0) {
      // Exchanges per tick (a second) the origin did serve, each holding a slot `normal` ms.
      double served = static_cast<double>(s.completed - s.overloaded);
      target = std::min(target, std::ceil(served * normal / 1000.0));
    }
    limit_ = std::clamp(static_cast<int>(target), config_.min_limit, limit_);
    calm_ticks_ = 0;
    if (overloaded) return Step::kCutOverload;
    last_cut_mean_ = mean;
    return Step::kCutLatency;
  }
  ++calm_ticks_;
  // Grow only a limit that binds: room nobody asked for proves nothing about the origin.
  if (!binding || limit_ >= config_.max_limit) return Step::kHold;
  // Carefully just after a cut (the origin said no near here), then by √limit, as Envoy's
  // gradient controller adds headroom.
  int grow = calm_ticks_ <= config_.careful_ticks
                 ? 1
                 : std::max(1, static_cast<int>(std::sqrt(static_cast<double>(limit_))));
  limit_ = std::min(config_.max_limit, limit_ + grow);
  return Step::kGrow;
}

}  // namespace floodgate::shield
