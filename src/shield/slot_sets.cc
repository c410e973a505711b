#include "shield/slot_sets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <new>
#include <type_traits>

namespace floodgate::shield {

// A page of zero bytes must read as sets of slots holding 0, with nothing to construct or
// destroy: a lock-free 64-bit atomic is its integer's bytes.
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));
static_assert(std::is_trivially_destructible_v<SlotSets::Set>);
static_assert(sizeof(SlotSets::Set) == 64);

size_t SlotSets::setsFor(size_t slots) { return std::bit_ceil(std::max(slots, kWays)) / kWays; }

SlotSets::SlotSets(size_t count) : count_(std::max<size_t>(count, 1)) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  mapped_ = (count_ * sizeof(Set) + page - 1) / page * page;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  sets_ = std::launder(static_cast<Set*>(p));
}

SlotSets::~SlotSets() { ::munmap(sets_, mapped_); }

size_t SlotSets::occupied() const {
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    for (const auto& s : sets_[i].slot) n += s.load(std::memory_order_relaxed) != 0;
  }
  return n;
}

}  // namespace floodgate::shield
