#include "shield/seqlock_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

// Every word derived from one number: a record mixing two writes is visible as such.
struct Record {
  uint64_t n = 0;
  uint64_t twice = 0;
  uint64_t square = 0;
  char tag[13] = {};
};

Record recordOf(uint64_t n) {
  Record r;
  r.n = n;
  r.twice = 2 * n;
  r.square = n * n;
  for (size_t i = 0; i < sizeof(r.tag); ++i) r.tag[i] = static_cast<char>('a' + (n + i) % 26);
  return r;
}

bool consistent(const Record& r) {
  if (r.twice != 2 * r.n || r.square != r.n * r.n) return false;
  for (size_t i = 0; i < sizeof(r.tag); ++i) {
    if (r.tag[i] != static_cast<char>('a' + (r.n + i) % 26)) return false;
  }
  return true;
}

std::vector<uint64_t> contents(const SeqlockRing<Record>& ring) {
  std::vector<uint64_t> out;
  ring.forEach([&](const Record& r, uint64_t serial) {
    EXPECT_TRUE(consistent(r));
    EXPECT_EQ(serial, r.n);  // pushed in order 1, 2, 3...
    out.push_back(r.n);
  });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SeqlockRing, PushAllocatesNothing) {
  SeqlockRing<Record> ring(64);
  testing::AllocationCounter counter;
  for (uint64_t n = 1; n <= 1000; ++n) ring.push(recordOf(n));
  EXPECT_EQ(counter.count(), 0u);
}

TEST(SeqlockRing, KeepsTheNewestAndOverwritesTheOldest) {
  SeqlockRing<Record> ring(4);
  EXPECT_TRUE(contents(ring).empty());
  for (uint64_t n = 1; n <= 3; ++n) ring.push(recordOf(n));
  EXPECT_EQ(contents(ring), (std::vector<uint64_t>{1, 2, 3}));
  for (uint64_t n = 4; n <= 10; ++n) ring.push(recordOf(n));
  EXPECT_EQ(contents(ring), (std::vector<uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(ring.tornReads(), 0u);
}

TEST(SeqlockRing, AReadDuringAWriteSkipsTheSlot) {
  SeqlockRing<Record> ring(2);
  ring.push(recordOf(1));
  ring.push(recordOf(2));
  ring.beginWrite(0);  // the writer is half-way through slot 0
  EXPECT_EQ(contents(ring), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ring.tornReads(), 1u);
  ring.endWrite(0);
  EXPECT_EQ(contents(ring), (std::vector<uint64_t>{1, 2}));
}

TEST(SeqlockRing, ReadersOnOtherThreadsNeverSeeAMixedRecord) {
  SeqlockRing<Record> ring(8);  // small: the writer laps it constantly
  std::atomic<bool> done{false};
  std::atomic<uint64_t> seen{0};
  std::atomic<uint64_t> mixed{0};
  std::thread reader([&] {
    while (!done.load()) {
      ring.forEach([&](const Record& r, uint64_t) {
        seen.fetch_add(1, std::memory_order_relaxed);
        if (!consistent(r)) mixed.fetch_add(1, std::memory_order_relaxed);
      });
    }
  });
  for (uint64_t n = 1; n <= testing::scaled(2'000'000); ++n) ring.push(recordOf(n));
  done.store(true);
  reader.join();
  EXPECT_EQ(mixed.load(), 0u);
  EXPECT_GT(seen.load(), 0u);
}

}  // namespace
}  // namespace floodgate::shield
