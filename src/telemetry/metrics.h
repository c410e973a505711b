// The three kinds of metric floodgate exports. Writers are workers on the request path, so each
// metric keeps one cache-line-aligned cell per writer (a shard: the worker's index) — no lock, no
// sharing of lines between workers — and readers merge the shards. A shard has exactly one
// writing thread, so an update is a relaxed load and store (a plain add, no locked instruction);
// readers on other threads see whole values, at most a moment old.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/clock.h"

namespace floodgate::telemetry {

// A single-writer increment: a plain add made visible to readers as one whole value.
inline void bump(std::atomic<uint64_t>& cell, uint64_t n) {
  cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

class Counter {
 public:
  explicit Counter(int shards);
  // Only the shard's own thread may call this.
  void add(int shard, uint64_t n = 1) { bump(cells_[static_cast<size_t>(shard)].value, n); }
  uint64_t value() const;  // the sum over shards

 private:
  struct alignas(64) Cell {
    std::atomic<uint64_t> value{0};
  };
  std::unique_ptr<Cell[]> cells_;
  int shards_;
};

// A value set by one writer (the control thread): a reading, not a sum.
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Bucket bounds in seconds, ascending; every histogram of a kind shares them.
using Buckets = std::vector<double>;
// 1 ms to 30 s: proxy latencies, from a cached answer to an origin at its timeout.
const Buckets& latencyBuckets();

// Counts of observations at or below each bound, plus their sum, per shard.
class Histogram {
 public:
  Histogram(const Buckets& bounds, int shards);
  void observe(int shard, Duration d);  // only the shard's own thread

  struct Snapshot {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; the last is +Inf
    double sum = 0;                // seconds
    uint64_t count() const;
    // The q-quantile (0..1) by linear interpolation inside its bucket, in seconds; 0 when
    // empty. Observations above the last bound report the last bound.
    double quantile(const Buckets& bounds, double q) const;
    void subtract(const Snapshot& earlier);  // this minus an earlier snapshot of the same series
    void add(const Snapshot& other);
  };
  Snapshot snapshot() const;
  const Buckets& bounds() const { return bounds_; }

 private:
  // One shard: the bucket counts, +Inf and the sum in nanoseconds, on whole cache lines.
  struct alignas(64) Line {
    std::atomic<uint64_t> cells[8] = {};
  };
  std::atomic<uint64_t>& cell(int shard, size_t i) const {
    return lines_[static_cast<size_t>(shard) * lines_per_shard_ + i / 8].cells[i % 8];
  }

  Buckets bounds_;
  std::vector<int64_t> bound_nanos_;
  size_t lines_per_shard_;
  int shards_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace floodgate::telemetry
