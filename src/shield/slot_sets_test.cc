#include "shield/slot_sets.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace floodgate::shield {
namespace {

// This process's resident memory now (/proc/self/statm), bytes.
size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(SlotSets, SizesAPowerOfTwoOfSetsForTheSlotsAsked) {
  EXPECT_EQ(SlotSets::setsFor(0), 1u);
  EXPECT_EQ(SlotSets::setsFor(8), 1u);
  EXPECT_EQ(SlotSets::setsFor(9), 2u);
  EXPECT_EQ(SlotSets::setsFor(1000), 128u);
  EXPECT_EQ(SlotSets::setsFor(1 << 18), 1u << 15);
}

// A table is resident only where a slot was stored to: 64 MiB of sets cost nothing until
// clients hash to them, and each one stored to costs its page.
TEST(SlotSets, IsResidentOnlyWhereASlotWasStoredTo) {
  constexpr size_t kSets = size_t{1} << 20;  // 64 MiB
  const size_t before = residentBytes();
  SlotSets sets(kSets);
  ASSERT_EQ(sets.count(), kSets);
  EXPECT_EQ(sets.memoryBytes(), kSets * 64);
  EXPECT_LT(residentBytes(), before + (size_t{1} << 20)) << "the table was touched whole";
  const size_t page_sets = static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / 64;
  for (size_t i = 0; i < kSets / 2; i += page_sets) {  // one slot in every page of half of it
    EXPECT_EQ(sets[i].slot[3].load(std::memory_order_relaxed), 0u);
    sets[i].slot[3].store(i + 1, std::memory_order_relaxed);
  }
  const size_t half = residentBytes() - before;
  EXPECT_GT(half, size_t{30} << 20);
  EXPECT_LT(half, size_t{34} << 20);
  EXPECT_EQ(sets[page_sets].slot[3].load(std::memory_order_relaxed), page_sets + 1);
  EXPECT_EQ(sets[kSets - 1].slot[7].load(std::memory_order_relaxed), 0u);
}

}  // namespace
}  // namespace floodgate::shield
