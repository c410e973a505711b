#include "telemetry/metrics.h"

#include <algorithm>

namespace floodgate::telemetry {

Counter::Counter(int shards) : cells_(new Cell[static_cast<size_t>(shards)]), shards_(shards) {}

uint64_t Counter::value() const {
  uint64_t sum = 0;
  for (int i = 0; i < shards_; ++i)
    sum += cells_[static_cast<size_t>(i)].value.load(std::memory_order_relaxed);
  return sum;
}

const Buckets& latencyBuckets() {
  static const Buckets buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                  0.25,  0.5,    1,     2.5,  5,     10,   30};
  return buckets;
}

Histogram::Histogram(const Buckets& bounds, int shards) : bounds_(bounds), shards_(shards) {
  for (double b : bounds_) bound_nanos_.push_back(static_cast<int64_t>(b * 1e9));
  size_t cells = bounds_.size() + 2;  // the buckets, +Inf, the sum
  lines_per_shard_ = (cells + 7) / 8;
  lines_.reset(new Line[lines_per_shard_ * static_cast<size_t>(shards)]);
}

void Histogram::observe(int shard, Duration d) {
  int64_t nanos = std::max<int64_t>(d.count(), 0);
  // Few buckets: a linear scan over a line or two beats a binary search's branches.
  size_t bucket = 0;
  while (bucket < bound_nanos_.size() && nanos > bound_nanos_[bucket]) ++bucket;
  bump(cell(shard, bucket), 1);
  bump(cell(shard, bounds_.size() + 1), static_cast<uint64_t>(nanos));
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.counts.assign(bounds_.size() + 1, 0);
  uint64_t nanos = 0;
  for (int i = 0; i < shards_; ++i) {
    for (size_t b = 0; b <= bounds_.size(); ++b) {
      s.counts[b] += cell(i, b).load(std::memory_order_relaxed);
    }
    nanos += cell(i, bounds_.size() + 1).load(std::memory_order_relaxed);
  }
  s.sum = static_cast<double>(nanos) / 1e9;
  return s;
}

uint64_t Histogram::Snapshot::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts) n += c;
  return n;
}

double Histogram::Snapshot::quantile(const Buckets& bounds, double q) const {
  uint64_t total = count();
  if (total == 0 || bounds.empty()) return 0;
  double rank = q * static_cast<double>(total);
  uint64_t below = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    if (static_cast<double>(below + counts[b]) >= rank) {
      if (b >= bounds.size()) return bounds.back();
      double lower = b == 0 ? 0 : bounds[b - 1];
      double within = (rank - static_cast<double>(below)) / static_cast<double>(counts[b]);
      return lower + (bounds[b] - lower) * std::clamp(within, 0.0, 1.0);
    }
    below += counts[b];
  }
  return bounds.back();
}

void Histogram::Snapshot::subtract(const Snapshot& earlier) {
  for (size_t b = 0; b < counts.size() && b < earlier.counts.size(); ++b) {
    counts[b] -= std::min(counts[b], earlier.counts[b]);
  }
  sum = std::max(0.0, sum - earlier.sum);
}

void Histogram::Snapshot::add(const Snapshot& other) {
  if (counts.size() < other.counts.size()) counts.resize(other.counts.size(), 0);
  for (size_t b = 0; b < other.counts.size(); ++b) counts[b] += other.counts[b];
  sum += other.sum;
}

}  // namespace floodgate::telemetry
