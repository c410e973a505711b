#include "core/fd_table.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace floodgate {
namespace {

TEST(DescriptorTable, ReservingGrowsTheTableWithoutKeepingADescriptor) {
  size_t before = descriptorTableSize();
  ASSERT_GT(before, 0u);
  int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  size_t want = std::min<size_t>(std::max<size_t>(before * 4, 2048), limit.rlim_cur);
  ASSERT_GT(want, before) << "the soft RLIMIT_NOFILE leaves no room to grow the table";
  size_t after = reserveDescriptorTable(want);
  EXPECT_GE(after, want);
  EXPECT_EQ(after, descriptorTableSize());
  // The probe descriptors are closed again: the next open gets the same low number.
  int next = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(next, lowest_free);
  ::close(next);
}

TEST(DescriptorTable, OpeningUpToTheReservationDoesNotGrowItAgain) {
  size_t reserved = reserveDescriptorTable(1024);
  ASSERT_GE(reserved, 1024u);
  std::vector<int> fds;
  for (int i = 0; i < 900; ++i) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  EXPECT_EQ(descriptorTableSize(), reserved);
  for (int fd : fds) ::close(fd);
}

// In a child: the soft limit caps what is reserved (and so does kMaxReservedDescriptors).
TEST(DescriptorTable, TheSoftLimitCapsTheReservation) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 512;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(2);
    size_t start = descriptorTableSize();
    size_t after = reserveDescriptorTable(size_t{1} << 20);
    // Grown to the limit and no further (asking beyond the limit would fail and grow nothing).
    _exit(after == std::max<size_t>(start, 512) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace floodgate
