// SocketFilter: the kernel half of the blocklist. An eBPF socket filter, attached to listening
// sockets, that looks each packet's source address up in two longest-prefix-match maps (IPv4,
// IPv6) and drops it on a match; on a TCP listener that is the SYN, so a blocked source never
// gets a connection and floodgate never sees it. Every entry names a counter slot, and the
// filter counts its drops there (a per-CPU array: no shared cache line in the softirq). An
// entry may let a sample of its sources through (a network on probation): those whose address,
// mixed with the entry's slot, has its `pass_mask` bits clear — the same sources for as long as
// the entry keeps its slot, so a passed client's connection is never cut half-way.
// Written with the raw bpf(2) syscall, no libbpf. Control side only, not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.h"
#include "core/socket.h"
#include "shield/ip_prefix.h"

namespace floodgate::kernel {

class SocketFilter {
 public:
  static constexpr uint32_t kSlots = 4096;  // drop counters; an entry's value is its slot

  // Creates the maps (each holding at most `max_entries` prefixes) and loads the program. An
  // error when bpf(2) refuses (no CAP_BPF, a kernel without LPM tries); `*denied` then says
  // whether it was a permission (EPERM/EACCES), the usual and expected case.
  static Result<std::unique_ptr<SocketFilter>> create(uint32_t max_entries,
                                                      bool* denied = nullptr);

  // SO_ATTACH_BPF on a socket (every SO_REUSEPORT listener needs its own call).
  Status attach(int fd) const;
  // Drops packets from `prefix` (IPv4-mapped prefixes go to the IPv4 map), counting in `slot`;
  // with a `pass_mask` (2^k - 1), lets one source in 2^k of it through. Adding a prefix already
  // present updates it in place (no moment when it is not in the map).
  Status add(const shield::IpPrefix& prefix, uint32_t slot, uint16_t pass_mask = 0);
  // Whether an entry with `slot` and `pass_mask` lets `source` through: what the filter decides.
  static bool passes(const shield::IpKey& source, uint32_t slot, uint16_t pass_mask);
  // Lets `prefix` through again; true when it was present.
  bool remove(const shield::IpPrefix& prefix);
  // Drops counted in `slot` since creation (or the last resetSlot), summed over CPUs.
  uint64_t drops(uint32_t slot) const;
  void resetSlot(uint32_t slot);

 private:
  SocketFilter() = default;
  Status loadProgram();

  FileDescriptor v4_;
  FileDescriptor v6_;
  FileDescriptor counters_;
  FileDescriptor program_;
  uint32_t cpus_ = 1;
  mutable std::vector<uint64_t> per_cpu_;  // lookup buffer, one u64 per possible CPU
};

}  // namespace floodgate::kernel
