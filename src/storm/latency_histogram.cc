#include "storm/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace floodgate::storm {

size_t LatencyHistogram::indexOf(uint64_t v) {
  if (v > kMaxMicros) v = kMaxMicros;
  if (v < (1u << kPrecisionBits)) return static_cast<size_t>(v);
  int msb = 63 - std::countl_zero(v);
  int shift = msb - kPrecisionBits;
  return static_cast<size_t>(shift) * (1u << kPrecisionBits) + static_cast<size_t>(v >> shift);
}

uint64_t LatencyHistogram::lowestOf(size_t index) {
  constexpr size_t kLinear = 2u << kPrecisionBits;
  if (index < kLinear) return index;
  size_t shift = index / (1u << kPrecisionBits) - 1;
  uint64_t mantissa = index - shift * (1u << kPrecisionBits);
  return mantissa << shift;
}

uint64_t LatencyHistogram::widthOf(size_t index) {
  constexpr size_t kLinear = 2u << kPrecisionBits;
  if (index < kLinear) return 1;
  return uint64_t{1} << (index / (1u << kPrecisionBits) - 1);
}

void LatencyHistogram::record(uint64_t micros) {
  ++counts_[indexOf(micros)];
  ++count_;
  sum_ += micros;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  if (o.count_ == 0) return;
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void LatencyHistogram::clear() { *this = LatencyHistogram(); }

uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t mid = lowestOf(i) + widthOf(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace floodgate::storm
