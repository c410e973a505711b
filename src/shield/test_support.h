// Helpers for the shield's unit tests only: how big the big tests run, resident memory, and a
// count of heap allocations (operator new is replaced in allocation_test.cc).
#pragma once

#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace floodgate::shield::testing {

// Sanitizers slow the big streams down 5-20x, so they run a tenth of the items by default.
// FLOODGATE_TEST_SCALE overrides (e.g. 0.01 for a quick look, 1 for the full size).
inline double testScale() {
  if (const char* env = std::getenv("FLOODGATE_TEST_SCALE")) {
    double v = std::atof(env);
    if (v > 0) return v;
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 0.1;
#else
  return 1.0;
#endif
}

inline uint64_t scaled(uint64_t n) {
  uint64_t v = static_cast<uint64_t>(static_cast<double>(n) * testScale());
  return v == 0 ? 1 : v;
}

// Resident set size of this process, from /proc/self/statm.
inline uint64_t residentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// CPU time of the calling thread: steadier than wall time on a machine shared with builds.
inline double threadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

inline double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Heap allocations made by this thread while one of these is alive.
class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  uint64_t count() const;

 private:
  uint64_t start_;
};

}  // namespace floodgate::shield::testing
