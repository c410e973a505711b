// LatencyHistogram: upstream latencies in fixed log buckets (four per power of two of
// microseconds), cheap to record on a worker, exact to merge, and good enough for a p99.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "core/clock.h"

namespace floodgate::shield {

class LatencyHistogram {
 public:
  // 4 sub-buckets per octave from 1 µs to 2^27 µs (~134 s); anything longer lands in the last.
  static constexpr int kSubBits = 2;
  static constexpr int kOctaves = 28;
  static constexpr int kBuckets = kOctaves << kSubBits;

  void record(Duration latency) {
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
    ++buckets_[bucketOf(us < 0 ? 0 : static_cast<uint64_t>(us))];
    ++count_;
  }
  void merge(const LatencyHistogram& other) {
    for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
  }
  void reset() {
    buckets_.fill(0);
    count_ = 0;
  }
  uint64_t count() const { return count_; }

  // The upper edge of the bucket holding the q-quantile (0 < q ≤ 1), in microseconds: never
  // below the true value, at most ~19% above it. 0 when empty.
  uint64_t quantileMicros(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) return upperEdge(i);
    }
    return upperEdge(kBuckets - 1);
  }

  static int bucketOf(uint64_t us) {
    if (us < (1u << kSubBits)) return static_cast<int>(us);  // 0..3 µs exact
    int octave = std::bit_width(us) - 1;                     // ≥ kSubBits
    int sub = static_cast<int>((us >> (octave - kSubBits)) & ((1u << kSubBits) - 1));
    int index = ((octave - kSubBits + 1) << kSubBits) + sub;
    return index < kBuckets ? index : kBuckets - 1;
  }
  static uint64_t upperEdge(int index) {
    if (index < (1 << kSubBits)) return static_cast<uint64_t>(index) + 1;
    int octave = (index >> kSubBits) + kSubBits - 1;
    uint64_t sub = static_cast<uint64_t>(index & ((1 << kSubBits) - 1));
    return (uint64_t{1} << octave) + ((sub + 1) << (octave - kSubBits));
  }

 private:
  std::array<uint32_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
};

}  // namespace floodgate::shield
