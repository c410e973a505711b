// RateBaseline: a learned normal level for one series (requests per second, a latency) — an
// exponentially weighted mean and variance that adapt slowly and can be frozen.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace floodgate::shield {

class RateBaseline {
 public:
  // alpha: the weight of each new sample once warm (0.02 per 1 s tick: half-life ~35 s). The
  // first samples are averaged plainly (weight 1/n) so the baseline is usable after a warm-up.
  explicit RateBaseline(double alpha = 0.02) : alpha_(alpha) {}

  void learn(double x) {
    ++samples_;
    const double a = std::max(alpha_, 1.0 / static_cast<double>(samples_));
    const double diff = x - mean_;
    const double step = a * diff;
    mean_ += step;
    variance_ = (1 - a) * (variance_ + diff * step);
  }
  // Learns at a fraction of the usual weight (a frozen series that must eventually move on).
  void learnSlowly(double x, double fraction) {
    const double saved = alpha_;
    alpha_ *= fraction;
    const uint64_t n = samples_;
    samples_ = std::max<uint64_t>(samples_, static_cast<uint64_t>(1 / alpha_) + 1);
    learn(x);
    samples_ = n + 1;
    alpha_ = saved;
  }

  double mean() const { return mean_; }
  double sigma() const { return std::sqrt(std::max(0.0, variance_)); }
  uint64_t samples() const { return samples_; }

 private:
  double alpha_;
  double mean_ = 0;
  double variance_ = 0;
  uint64_t samples_ = 0;
};

}  // namespace floodgate::shield
