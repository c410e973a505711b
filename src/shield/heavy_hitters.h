// HeavyHitters: the top k keys of a stream (sources, prefixes, request fingerprints) with their
// approximate counts, in fixed memory. Each worker feeds its own; every tick the control thread
// merges copies and the detector reads who is sending the most.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "shield/count_min.h"

namespace floodgate::shield {

// The k largest (key, count) pairs offered so far: a min-heap of slots with an open-addressing
// key index beside it, so a lookup is one probe and a change is O(log k). Fixed capacity; no
// allocation after construction.
class TopKeys {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit TopKeys(uint32_t capacity);

  uint32_t find(uint64_t key) const;  // its slot, or kNone
  // Inserts a key not in the list: into a free slot, or over the smallest entry if the list is
  // full and `count` beats it. Returns the slot, or kNone if the key did not make the list.
  uint32_t insert(uint64_t key, uint32_t count);
  // Sets the count of the key in `slot`, up or down.
  void update(uint32_t slot, uint32_t count);
  void clear();

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return capacity_; }
  bool full() const { return size_ == capacity_; }
  uint32_t minCount() const { return size_ == 0 ? 0 : counts_[heap_[0]]; }
  // Occupied slots are 0..size()-1.
  uint64_t keyAt(uint32_t slot) const { return keys_[slot]; }
  uint32_t countAt(uint32_t slot) const { return counts_[slot]; }

 private:
  void siftUp(uint32_t pos);
  void siftDown(uint32_t pos);
  void place(uint32_t pos, uint32_t slot);
  uint64_t home(uint64_t key) const;
  void indexInsert(uint64_t key, uint32_t slot);
  void indexErase(uint64_t key);

  uint32_t capacity_;
  uint32_t size_ = 0;
  std::vector<uint64_t> keys_;    // by slot
  std::vector<uint32_t> counts_;  // by slot
  std::vector<uint32_t> heap_;    // slots, smallest count first
  std::vector<uint32_t> pos_;     // slot → position in heap_
  std::vector<uint32_t> index_;   // linear probing: slot + 1, 0 empty; at most half full
  uint64_t index_mask_;
};

// Candidates are chosen by their count-min estimate: every offer adds to the sketch, and a key
// whose estimate beats the smallest of the k enters the list (the sketch + heap scheme). Why not
// Space-Saving alone: the sketch makes the estimates of listed keys independent of when they
// entered the list, and two workers' results merge exactly (sum the sketches, re-estimate the
// union of both lists). What merging cannot do: find a key that made no worker's list though
// it is heavy in sum — so k should be a few times the number of hitters the detector reads.
//
// Payload is a small copyable value carried with a key for the evidence (the IpKey behind a
// source hash, the IpPrefix of a prefix key, a sample path for a fingerprint). The first payload
// offered with a key is kept while the key stays listed.
template <class Payload>
class HeavyHitters {
 public:
  struct Hitter {
    uint64_t key = 0;
    Payload payload{};
    uint32_t count = 0;  // the sketch's estimate: never below the true count
  };

  HeavyHitters(uint32_t k, uint32_t sketch_width, uint32_t sketch_depth, uint64_t seed = 0)
      : sketch_(sketch_width, sketch_depth, seed), top_(k), payloads_(k) {}

  // Hot path: a sketch update and, when the estimate is not above the list's minimum (almost
  // always, for a light key), a single comparison. No allocation.
  void offer(uint64_t key, const Payload& payload, uint32_t count = 1) {
    const uint32_t estimate = sketch_.add(key, count);
    // A listed key's count is never above its estimate, which only grows between merges and
    // decays, so an estimate at or below the minimum needs no change in the list.
    if (top_.full() && estimate <= top_.minCount()) return;
    uint32_t slot = top_.find(key);
    if (slot != TopKeys::kNone) {
      top_.update(slot, estimate);
      return;
    }
    slot = top_.insert(key, estimate);
    if (slot != TopKeys::kNone) payloads_[slot] = payload;
  }

  // Folds another worker's copy in (same k, sketch shape and seed); false if incompatible.
  [[nodiscard]] bool merge(const HeavyHitters& other) {
    if (top_.capacity() != other.top_.capacity() || !sketch_.merge(other.sketch_)) return false;
    refreshCounts();
    for (uint32_t s = 0; s < other.top_.size(); ++s) {
      const uint64_t key = other.top_.keyAt(s);
      if (top_.find(key) != TopKeys::kNone) continue;
      const uint32_t slot = top_.insert(key, sketch_.estimate(key));
      if (slot != TopKeys::kNone) payloads_[slot] = other.payloads_[s];
    }
    return true;
  }

  // Halves the sketch and the listed counts: a fading window across ticks.
  void decay() {
    sketch_.decay();
    refreshCounts();
  }
  void reset() {
    sketch_.reset();
    top_.clear();
  }

  // The n heaviest, heaviest first (allocates: control side).
  std::vector<Hitter> top(size_t n) const {
    std::vector<Hitter> out;
    out.reserve(top_.size());
    for (uint32_t s = 0; s < top_.size(); ++s) {
      out.push_back({top_.keyAt(s), payloads_[s], sketch_.estimate(top_.keyAt(s))});
    }
    std::sort(out.begin(), out.end(), [](const Hitter& a, const Hitter& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    });
    if (out.size() > n) out.resize(n);
    return out;
  }

  uint32_t estimate(uint64_t key) const { return sketch_.estimate(key); }
  uint64_t total() const { return sketch_.total(); }
  uint64_t errorBound() const { return sketch_.errorBound(); }
  const CountMinSketch& sketch() const { return sketch_; }
  uint32_t size() const { return top_.size(); }
  uint32_t capacity() const { return top_.capacity(); }

 private:
  void refreshCounts() {
    for (uint32_t s = 0; s < top_.size(); ++s) top_.update(s, sketch_.estimate(top_.keyAt(s)));
  }

  CountMinSketch sketch_;
  TopKeys top_;
  std::vector<Payload> payloads_;  // by slot of top_
};

}  // namespace floodgate::shield
