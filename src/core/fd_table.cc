#include "core/fd_table.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace floodgate {

size_t descriptorTableSize() {
  FILE* f = std::fopen("/proc/self/status", "re");
  if (f == nullptr) return 0;
  char line[256];
  size_t size = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "FDSize:", 7) == 0) {
      size = std::strtoul(line + 7, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return size;
}

size_t reserveDescriptorTable(size_t want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    want = std::min<size_t>(want, limit.rlim_cur);
  }
  want = std::min(want, kMaxReservedDescriptors);
  if (want > descriptorTableSize()) {
    // The lowest free descriptor at or above want - 1 makes the kernel size the table for it;
    // closing it again leaves the table as it is (it never shrinks).
    int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (probe >= 0) {
      int high = ::fcntl(probe, F_DUPFD_CLOEXEC, static_cast<int>(want) - 1);
      if (high >= 0) ::close(high);
      ::close(probe);
    }
  }
  return descriptorTableSize();
}

}  // namespace floodgate
