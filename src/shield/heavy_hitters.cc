#include "shield/heavy_hitters.h"

#include <bit>
#include <utility>

#include "shield/ip_prefix.h"

namespace floodgate::shield {

TopKeys::TopKeys(uint32_t capacity)
    : capacity_(std::max<uint32_t>(capacity, 1)),
      keys_(capacity_),
      counts_(capacity_),
      heap_(capacity_),
      pos_(capacity_),
      index_(std::bit_ceil(size_t{capacity_} * 2), 0),
      index_mask_(index_.size() - 1) {}

uint64_t TopKeys::home(uint64_t key) const { return mix64(key) & index_mask_; }

uint32_t TopKeys::find(uint64_t key) const {
  for (uint64_t i = home(key);; i = (i + 1) & index_mask_) {
    uint32_t v = index_[i];
    if (v == 0) return kNone;
    if (keys_[v - 1] == key) return v - 1;
  }
}

void TopKeys::indexInsert(uint64_t key, uint32_t slot) {
  uint64_t i = home(key);
  while (index_[i] != 0) i = (i + 1) & index_mask_;
  index_[i] = slot + 1;
}

// Backward-shift deletion: later entries of the probe run move up into the hole, so lookups
// never need tombstones and the index never degrades however often the minimum is replaced.
void TopKeys::indexErase(uint64_t key) {
  uint64_t hole = home(key);
  while (keys_[index_[hole] - 1] != key) hole = (hole + 1) & index_mask_;
  for (uint64_t j = (hole + 1) & index_mask_; index_[j] != 0; j = (j + 1) & index_mask_) {
    const uint64_t want = home(keys_[index_[j] - 1]);
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
    if (!stays) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = 0;
}

void TopKeys::place(uint32_t pos, uint32_t slot) {
  heap_[pos] = slot;
  pos_[slot] = pos;
}

void TopKeys::siftUp(uint32_t pos) {
  const uint32_t slot = heap_[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (counts_[heap_[parent]] <= counts_[slot]) break;
    place(pos, heap_[parent]);
    pos = parent;
  }
  place(pos, slot);
}

void TopKeys::siftDown(uint32_t pos) {
  const uint32_t slot = heap_[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= size_) break;
    if (child + 1 < size_ && counts_[heap_[child + 1]] < counts_[heap_[child]]) ++child;
    if (counts_[slot] <= counts_[heap_[child]]) break;
    place(pos, heap_[child]);
    pos = child;
  }
  place(pos, slot);
}

uint32_t TopKeys::insert(uint64_t key, uint32_t count) {
  if (size_ < capacity_) {
    const uint32_t slot = size_++;
    keys_[slot] = key;
    counts_[slot] = count;
    indexInsert(key, slot);
    place(slot, slot);
    siftUp(slot);
    return slot;
  }
  const uint32_t slot = heap_[0];
  if (count <= counts_[slot]) return kNone;
  indexErase(keys_[slot]);
  keys_[slot] = key;
  counts_[slot] = count;
  indexInsert(key, slot);
  siftDown(0);
  return slot;
}

void TopKeys::update(uint32_t slot, uint32_t count) {
  const uint32_t old = counts_[slot];
  counts_[slot] = count;
  if (count > old) {
    siftDown(pos_[slot]);
  } else if (count < old) {
    siftUp(pos_[slot]);
  }
}

void TopKeys::clear() {
  size_ = 0;
  std::fill(index_.begin(), index_.end(), 0);
}

}  // namespace floodgate::shield
