// DistinctCount: how many different keys (sources, prefixes, fingerprints) a tick saw, in 1 KiB
// — a HyperLogLog, so "fair share" in the detector's evidence is 1/that.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace floodgate::shield {

// 1024 one-byte registers: standard error ~3.3%. add() takes a well-mixed 64-bit hash.
class DistinctCount {
 public:
  static constexpr int kIndexBits = 10;
  static constexpr int kRegisters = 1 << kIndexBits;

  void add(uint64_t hash) {
    uint32_t index = static_cast<uint32_t>(hash >> (64 - kIndexBits));
    uint64_t rest = (hash << kIndexBits) | (uint64_t{1} << (kIndexBits - 1));  // never all zero
    uint8_t rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
    if (rank > registers_[index]) registers_[index] = rank;
  }
  void merge(const DistinctCount& other) {
    for (int i = 0; i < kRegisters; ++i) {
      registers_[i] = std::max(registers_[i], other.registers_[i]);
    }
  }
  void reset() { registers_.fill(0); }

  double estimate() const {
    double sum = 0;
    int zeros = 0;
    for (uint8_t r : registers_) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    constexpr double m = kRegisters;
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);  // linear counting when small
    return e;
  }

 private:
  std::array<uint8_t, kRegisters> registers_{};
};

}  // namespace floodgate::shield
