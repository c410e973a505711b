// KernelBlocklist: what floodgate drops in the kernel, kept in step with what it enforces in
// user space. It owns the SocketFilter (attached to every listening socket) and, on each control
// tick, makes the filter's maps hold exactly the live entries of the published blocklist (config
// and operator), the governor's fully enforced source/prefix block rules and the escalated repeat
// offenders — adding, moving and removing entries by difference. When bpf(2) is refused it says
// so once and does nothing: the accept-time check in user space still refuses those sources.
// Thread-safe (one lock; control side only: listeners, publishes and the tick).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.h"
#include "kernel/socket_filter.h"
#include "shield/blocklist.h"

namespace floodgate::telemetry {
class Registry;
}

namespace floodgate::kernel {

enum class DropReason : uint8_t { kBlocklist, kRule, kEscalated, kCount };
const char* dropReasonName(DropReason reason);  // "blocklist", "rule", "escalated"

class KernelBlocklist {
 public:
  // A dynamic entry: a rule's source/prefix (owner: the rule's id) or an escalated source.
  struct Entry {
    shield::IpPrefix prefix;
    DropReason reason = DropReason::kRule;
    uint64_t owner = 0;
    uint16_t pass_mask = 0;  // a network on probation: one source in pass_mask + 1 passes
  };

  // Loads the filter unless `config.enabled` is false.
  explicit KernelBlocklist(const config::KernelDrop& config);
  ~KernelBlocklist();

  bool active() const { return filter_ != nullptr; }
  const std::string& inactiveReason() const { return inactive_reason_; }

  // Attaches the filter to a listening socket (each SO_REUSEPORT one); false, logged, when the
  // kernel refused (that listener then relies on the accept-time check).
  bool attach(int fd, const std::string& listener);
  // The config's and operators' blocklist as published to the workers: mirrored on next sync.
  void setBlocklist(std::shared_ptr<const shield::Blocklist> blocklist);
  // Control tick, step 1: drops counted since the last call for each dynamic entry's owner
  // (a rule's id), the kernel's share of what that rule did. Also advances the totals.
  std::unordered_map<uint64_t, uint64_t> collectDrops();
  // Control tick, step 2: the maps hold exactly the live blocklist entries plus `dynamic`.
  void sync(const std::vector<Entry>& dynamic, MonoTime now);
  // Only the blocklist's part, at once (a publish), leaving the dynamic entries as they are.
  void syncBlocklist(MonoTime now);

  uint64_t drops(DropReason reason) const {
    return drops_[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
  size_t entries() const { return entries_.load(std::memory_order_relaxed); }
  // floodgate_rejections_total{stage="kernel",reason} and floodgate_kernel_blocklist_entries.
  void registerMetrics(telemetry::Registry* registry) const;

 private:
  // Counter slots: one shared by the blocklist's entries, one per reason for dynamic entries
  // past the individual slots, then one per dynamic entry.
  static constexpr uint32_t kBlocklistSlot = 0;
  static constexpr uint32_t kFirstFreeSlot = 1 + static_cast<uint32_t>(DropReason::kCount);
  struct Installed {
    DropReason reason;
    uint64_t owner;
    uint32_t slot;
    uint64_t seen = 0;  // the slot's count when last read (individual slots)
    uint16_t pass_mask = 0;
  };
  static uint32_t overflowSlot(DropReason reason) { return 1 + static_cast<uint32_t>(reason); }
  void syncStatic(MonoTime now);  // with mu_ held
  bool install(const shield::IpPrefix& prefix, DropReason reason, uint64_t owner,
               uint16_t pass_mask = 0);
  void uninstall(const shield::IpPrefix& prefix, const Installed& entry);
  uint64_t readShared(uint32_t slot);

  mutable std::mutex mu_;
  config::KernelDrop config_;
  std::unique_ptr<SocketFilter> filter_;
  std::string inactive_reason_;
  std::shared_ptr<const shield::Blocklist> blocklist_;
  bool blocklist_changed_ = false;
  MonoTime static_expiry_ = MonoTime::max();  // the earliest expiry among static entries
  std::unordered_set<shield::IpPrefix, shield::IpPrefixHash> static_;  // its live prefixes
  std::unordered_map<shield::IpPrefix, Installed, shield::IpPrefixHash> installed_;
  std::vector<uint32_t> free_slots_;
  uint64_t shared_seen_[kFirstFreeSlot] = {};
  bool full_logged_ = false;
  std::atomic<uint64_t> drops_[static_cast<size_t>(DropReason::kCount)] = {};
  std::atomic<size_t> entries_{0};
};

}  // namespace floodgate::kernel
