// Replaces the global operator new in shield_tests so tests can assert that hot paths never
// allocate. The count is per thread, so gtest's own bookkeeping on other threads cannot leak in.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "shield/test_support.h"

namespace {
thread_local uint64_t tl_allocations = 0;

void* allocate(std::size_t size) {
  ++tl_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* allocateAligned(std::size_t size, std::align_val_t align) {
  ++tl_allocations;
  std::size_t a = static_cast<std::size_t>(align);
  std::size_t rounded = (size + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded)) return p;
  throw std::bad_alloc();
}
}  // namespace

// These operator news are malloc underneath, so free() is their matching release; GCC, seeing
// free() inside an operator delete, cannot tell.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t a) { return allocateAligned(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return allocateAligned(size, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace floodgate::shield::testing {

AllocationCounter::AllocationCounter() : start_(tl_allocations) {}
AllocationCounter::~AllocationCounter() = default;
uint64_t AllocationCounter::count() const { return tl_allocations - start_; }

namespace {

TEST(AllocationCounter, SeesAllocations) {
  AllocationCounter counter;
  EXPECT_EQ(counter.count(), 0u);
  std::vector<int> v(10);
  EXPECT_EQ(counter.count(), 1u);
}

}  // namespace
}  // namespace floodgate::shield::testing
