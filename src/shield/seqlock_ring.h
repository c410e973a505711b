// SeqlockRing: a fixed ring of small trivially-copyable records with one writer (a worker) and
// any number of readers on other threads. push() takes no lock and allocates nothing: each slot
// carries a sequence number that is odd while the slot is being written, and a reader that finds
// it odd, or changed across its copy, skips the slot (a torn read) instead of waiting.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

namespace floodgate::shield {

template <typename T>
class SeqlockRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  explicit SeqlockRing(size_t slots)
      : count_(std::max<size_t>(slots, 1)), slots_(std::make_unique<Slot[]>(count_)) {}

  size_t slots() const { return count_; }

  // The writer's thread only. Overwrites the oldest record once the ring is full.
  void push(const T& value) {
    uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    uint64_t serial = ++pushed_;
    size_t index = static_cast<size_t>((serial - 1) % count_);
    beginWrite(index);
    Slot& slot = slots_[index];
    slot.serial.store(serial, std::memory_order_relaxed);
    for (size_t i = 0; i < kWords; ++i) slot.words[i].store(words[i], std::memory_order_relaxed);
    endWrite(index);
  }

  // Any thread: visit(const T&, uint64_t serial) for every intact record (serials grow with each
  // push: larger is newer). Slots written meanwhile are skipped and counted as torn.
  template <typename Visit>
  void forEach(Visit&& visit) const {
    T value;
    for (size_t i = 0; i < count_; ++i) {
      uint64_t serial = 0;
      if (read(slots_[i], &value, &serial)) visit(static_cast<const T&>(value), serial);
    }
  }

  uint64_t tornReads() const { return torn_.load(std::memory_order_relaxed); }

  // Tests: the two halves of a push, so a read can be made to land in between.
  void beginWrite(size_t index) {
    Slot& slot = slots_[index];
    slot.seq.store(slot.seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    // The odd sequence becomes visible before any word of the new contents.
    std::atomic_thread_fence(std::memory_order_release);
  }
  void endWrite(size_t index) {
    Slot& slot = slots_[index];
    slot.seq.store(slot.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  static constexpr size_t kWords = (sizeof(T) + 7) / 8;
  struct Slot {
    std::atomic<uint64_t> seq{0};  // odd while being written; 0: never written
    std::atomic<uint64_t> serial{0};
    std::atomic<uint64_t> words[kWords] = {};
  };

  bool read(const Slot& slot, T* out, uint64_t* serial) const {
    uint64_t before = slot.seq.load(std::memory_order_acquire);
    if (before == 0) return false;
    uint64_t words[kWords];
    uint64_t s = slot.serial.load(std::memory_order_relaxed);
    for (size_t i = 0; i < kWords; ++i) words[i] = slot.words[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((before & 1) != 0 || slot.seq.load(std::memory_order_relaxed) != before) {
      torn_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    std::memcpy(out, words, sizeof(T));
    *serial = s;
    return true;
  }

  size_t count_;
  std::unique_ptr<Slot[]> slots_;
  uint64_t pushed_ = 0;  // the writer's
  mutable std::atomic<uint64_t> torn_{0};
};

}  // namespace floodgate::shield
