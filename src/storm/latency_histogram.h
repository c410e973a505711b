// LatencyHistogram: an HdrHistogram-style log-linear histogram of microseconds. Fixed memory
// (~21 KB), O(1) record, exact merge across threads and seconds, relative error under 0.8%.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace floodgate::storm {

class LatencyHistogram {
 public:
  static constexpr int kPrecisionBits = 7;                  // 128 linear steps per power of two
  static constexpr uint64_t kMaxMicros = (1ull << 27) - 1;  // ~134 s; larger values clamp
  static constexpr int kMaxMsb = 26;
  static constexpr size_t kBuckets =
      (kMaxMsb - kPrecisionBits) * (1u << kPrecisionBits) + (2u << kPrecisionBits);

  void record(uint64_t micros);
  void merge(const LatencyHistogram& other);
  void clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value at percentile `p` (0..100), as the midpoint of its bucket clamped to [min, max];
  // 0 when empty.
  uint64_t percentile(double p) const;

  static size_t indexOf(uint64_t micros);
  static uint64_t lowestOf(size_t index);
  static uint64_t widthOf(size_t index);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = ~uint64_t{0};
  uint64_t max_ = 0;
};

}  // namespace floodgate::storm
