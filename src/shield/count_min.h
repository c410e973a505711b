// CountMinSketch: approximate counts of a stream of 64-bit keys in fixed memory (width × depth
// uint32 counters). Each worker keeps its own; the detector merges them every tick.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace floodgate::shield {

// Estimates never undercount. With conservative update (a counter is raised only as far as the
// key's new estimate needs), an estimate exceeds the true count by more than errorBound() =
// (e / width) × total() with probability at most e^-depth (Cormode & Muthukrishnan), and in
// practice by far less. Single-threaded: one per worker, merged on the control thread.
class CountMinSketch {
 public:
  static constexpr uint32_t kMaxDepth = 8;

  // width is rounded up to a power of two; depth is clamped to 1..kMaxDepth. Sketches merge only
  // with sketches of the same width, depth and seed.
  CountMinSketch(uint32_t width, uint32_t depth, uint64_t seed = 0);

  // Counts `count` more of `key` and returns its new estimate. Counters saturate at UINT32_MAX.
  uint32_t add(uint64_t key, uint32_t count = 1);
  uint32_t estimate(uint64_t key) const;

  // Adds another sketch's counts into this one. Sums of conservative-update sketches still never
  // undercount. False (and nothing changed) if the shapes or seeds differ.
  [[nodiscard]] bool merge(const CountMinSketch& other);
  bool compatible(const CountMinSketch& other) const;

  // Halves every counter: an exponentially fading window, tick by tick.
  void decay();
  void reset();

  uint64_t total() const { return total_; }
  uint64_t errorBound() const;
  double epsilon() const;  // e / width
  double delta() const;    // e^-depth
  uint32_t width() const { return width_; }
  uint32_t depth() const { return depth_; }
  size_t memoryBytes() const { return counters_.size() * sizeof(uint32_t); }

 private:
  // The counter index in each row: two halves of one 64-bit hash combined as h1 + r·h2
  // (Kirsch & Mitzenmacher), as good as independent hashes for this purpose and one mix per key.
  void indexes(uint64_t key, uint32_t* out) const;

  uint32_t width_;
  uint32_t depth_;
  uint64_t seed_;
  uint64_t total_ = 0;
  std::vector<uint32_t> counters_;  // depth rows of width
};

}  // namespace floodgate::shield
