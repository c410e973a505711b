#include "shield/count_min.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "shield/ip_prefix.h"

namespace floodgate::shield {
namespace {

constexpr uint32_t kSaturated = std::numeric_limits<uint32_t>::max();

uint32_t saturatingAdd(uint32_t a, uint32_t b) { return a > kSaturated - b ? kSaturated : a + b; }

}  // namespace

CountMinSketch::CountMinSketch(uint32_t width, uint32_t depth, uint64_t seed)
    : width_(std::bit_ceil(std::clamp<uint32_t>(width, 1, 1u << 30))),
      depth_(std::clamp<uint32_t>(depth, 1, kMaxDepth)),
      seed_(seed),
      counters_(static_cast<size_t>(width_) * depth_, 0) {}

void CountMinSketch::indexes(uint64_t key, uint32_t* out) const {
  const uint64_t h = mix64(key ^ seed_ ^ 0x2545f4914f6cdd1dULL);
  const uint32_t h1 = static_cast<uint32_t>(h);
  const uint32_t h2 = static_cast<uint32_t>(h >> 32) | 1;  // odd: r·h2 spans every column
  for (uint32_t r = 0; r < depth_; ++r) {
    out[r] = r * width_ + ((h1 + r * h2) & (width_ - 1));
  }
}

uint32_t CountMinSketch::add(uint64_t key, uint32_t count) {
  uint32_t at[kMaxDepth];
  indexes(key, at);
  uint32_t estimate = kSaturated;
  for (uint32_t r = 0; r < depth_; ++r) estimate = std::min(estimate, counters_[at[r]]);
  const uint32_t target = saturatingAdd(estimate, count);
  for (uint32_t r = 0; r < depth_; ++r) counters_[at[r]] = std::max(counters_[at[r]], target);
  total_ += count;
  return target;
}

uint32_t CountMinSketch::estimate(uint64_t key) const {
  uint32_t at[kMaxDepth];
  indexes(key, at);
  uint32_t estimate = kSaturated;
  for (uint32_t r = 0; r < depth_; ++r) estimate = std::min(estimate, counters_[at[r]]);
  return estimate;
}

bool CountMinSketch::compatible(const CountMinSketch& other) const {
  return width_ == other.width_ && depth_ == other.depth_ && seed_ == other.seed_;
}

bool CountMinSketch::merge(const CountMinSketch& other) {
  if (!compatible(other)) return false;
  for (size_t i = 0; i < counters_.size(); ++i) {
    counters_[i] = saturatingAdd(counters_[i], other.counters_[i]);
  }
  total_ += other.total_;
  return true;
}

void CountMinSketch::decay() {
  for (uint32_t& c : counters_) c >>= 1;
  total_ >>= 1;
}

void CountMinSketch::reset() {
  std::fill(counters_.begin(), counters_.end(), 0);
  total_ = 0;
}

double CountMinSketch::epsilon() const { return std::exp(1.0) / width_; }
double CountMinSketch::delta() const { return std::exp(-static_cast<double>(depth_)); }

uint64_t CountMinSketch::errorBound() const {
  return static_cast<uint64_t>(std::ceil(epsilon() * static_cast<double>(total_)));
}

}  // namespace floodgate::shield
