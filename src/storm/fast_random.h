// FastRandom: a small, fast, seedable generator (xorshift64*) for paths, query strings and
// jitter. Not for anything secret.
#pragma once

#include <cstddef>
#include <cstdint>

namespace floodgate::storm {

class FastRandom {
 public:
  explicit FastRandom(uint64_t seed = 0x9e3779b97f4a7c15ull) : state_(seed ? seed : 1) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  // Uniform in [0, n) (n > 0); the tiny modulo bias does not matter here.
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

}  // namespace floodgate::storm
