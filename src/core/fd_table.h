// The process's file-descriptor table, grown once up front. Linux doubles the table when an fd
// beyond it is opened (64, 128, 256 ... entries), and in a process with more than one thread
// each doubling waits out a whole RCU grace period (synchronize_rcu in expand_fdtable: 15 ms
// on a quiet machine, 50-90 ms on a busy one), inside the accept4 or socket call that crossed
// the edge. A gateway whose connection count climbs from 200 to 2,000 in a second would stall
// its worker three or four times in that second; single-threaded servers (an nginx worker) never
// pay it. Reserving the table before the threads start makes those calls ordinary again.
#pragma once

#include <cstddef>

namespace floodgate {

// Most descriptors reserved: 65,536 entries take about 0.5 MiB of kernel memory; beyond them
// the table still grows on demand.
inline constexpr size_t kMaxReservedDescriptors = size_t{1} << 16;

// Grows the table so that descriptors below min(want, the soft RLIMIT_NOFILE,
// kMaxReservedDescriptors) open without a resize. Returns the table's size afterwards
// (/proc/self/status FDSize), 0 if it cannot be read.
size_t reserveDescriptorTable(size_t want);

// The table's current size in entries (/proc/self/status FDSize); 0 if unknown.
size_t descriptorTableSize();

}  // namespace floodgate
