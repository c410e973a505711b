#include "kernel/kernel_blocklist.h"

#include "core/log.h"
#include "telemetry/metric_names.h"
#include "telemetry/registry.h"

namespace floodgate::kernel {

const char* dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kBlocklist:
      return "blocklist";
    case DropReason::kRule:
      return "rule";
    case DropReason::kEscalated:
      return "escalated";
    case DropReason::kCount:
      break;
  }
  return "?";
}

KernelBlocklist::KernelBlocklist(const config::KernelDrop& config) : config_(config) {
  if (!config.enabled) {
    inactive_reason_ = "disabled by shield.kernel_drop.enabled";
    spdlog::info("kernel drop: off (shield.kernel_drop.enabled: false); blocked sources are "
                 "refused at accept");
    return;
  }
  bool denied = false;
  auto filter = SocketFilter::create(static_cast<uint32_t>(config.max_entries), &denied);
  if (!filter) {
    inactive_reason_ = filter.error();
    spdlog::warn("kernel drop unavailable ({}{}); blocked sources are refused at accept instead",
                 filter.error(), denied ? ": needs CAP_BPF" : "");
    return;
  }
  filter_ = std::move(*filter);
  for (uint32_t s = SocketFilter::kSlots; s-- > kFirstFreeSlot;) free_slots_.push_back(s);
  spdlog::info("kernel drop: eBPF socket filter loaded ({} prefixes per family)",
               config.max_entries);
}

KernelBlocklist::~KernelBlocklist() = default;

bool KernelBlocklist::attach(int fd, const std::string& listener) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!filter_) return false;
  Status s = filter_->attach(fd);
  if (!s.ok()) {
    spdlog::warn("kernel drop: listener {}: {}; its blocked sources are refused at accept",
                 listener, s.error());
  }
  return s.ok();
}

void KernelBlocklist::setBlocklist(std::shared_ptr<const shield::Blocklist> blocklist) {
  std::lock_guard<std::mutex> lock(mu_);
  if (blocklist == blocklist_) return;
  blocklist_ = std::move(blocklist);
  blocklist_changed_ = true;
}

uint64_t KernelBlocklist::readShared(uint32_t slot) {
  uint64_t count = filter_->drops(slot);
  uint64_t delta = count - shared_seen_[slot];
  shared_seen_[slot] = count;
  return delta;
}

std::unordered_map<uint64_t, uint64_t> KernelBlocklist::collectDrops() {
  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_map<uint64_t, uint64_t> by_owner;
  if (!filter_) return by_owner;
  drops_[static_cast<size_t>(DropReason::kBlocklist)] += readShared(kBlocklistSlot);
  for (size_t r = 0; r < static_cast<size_t>(DropReason::kCount); ++r) {
    drops_[r] += readShared(overflowSlot(static_cast<DropReason>(r)));
  }
  for (auto& [prefix, e] : installed_) {
    if (e.slot < kFirstFreeSlot) continue;
    uint64_t count = filter_->drops(e.slot);
    uint64_t delta = count - e.seen;
    e.seen = count;
    if (delta == 0) continue;
    drops_[static_cast<size_t>(e.reason)] += delta;
    if (e.reason == DropReason::kRule) by_owner[e.owner] += delta;
  }
  return by_owner;
}

void KernelBlocklist::uninstall(const shield::IpPrefix& prefix, const Installed& e) {
  if (e.slot >= kFirstFreeSlot) {
    drops_[static_cast<size_t>(e.reason)] += filter_->drops(e.slot) - e.seen;  // the last few
    free_slots_.push_back(e.slot);
  }
  (void)filter_->remove(prefix);
}

bool KernelBlocklist::install(const shield::IpPrefix& prefix, DropReason reason, uint64_t owner,
                              uint16_t pass_mask) {
  if (installed_.count(prefix) != 0) return true;
  uint32_t slot = kBlocklistSlot;
  if (reason != DropReason::kBlocklist) {
    if (free_slots_.empty()) {
      slot = overflowSlot(reason);
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      filter_->resetSlot(slot);
    }
  }
  Status s = filter_->add(prefix, slot, pass_mask);
  if (!s.ok()) {
    if (slot >= kFirstFreeSlot) free_slots_.push_back(slot);
    if (!full_logged_) {
      spdlog::warn("kernel drop: cannot add {} ({}); it is refused at accept instead (logged once)",
                   prefix.toString(), s.error());
      full_logged_ = true;
    }
    return false;
  }
  installed_.emplace(prefix, Installed{reason, owner, slot, 0, pass_mask});
  return true;
}

void KernelBlocklist::syncStatic(MonoTime now) {
  if (!blocklist_changed_ && now < static_expiry_) return;
  blocklist_changed_ = false;
  static_.clear();
  static_expiry_ = MonoTime::max();
  if (blocklist_) {
    for (const auto& entry : blocklist_->entries()) {
      if (now >= entry.expires) continue;
      static_.insert(entry.prefix);
      static_expiry_ = std::min(static_expiry_, entry.expires);
    }
  }
  for (auto it = installed_.begin(); it != installed_.end();) {
    // A dynamic entry for a prefix the blocklist now holds is retagged as the blocklist's.
    if (it->second.reason == DropReason::kBlocklist ? static_.count(it->first) != 0
                                                    : static_.count(it->first) == 0) {
      ++it;
    } else {
      uninstall(it->first, it->second);
      it = installed_.erase(it);
    }
  }
  for (const auto& prefix : static_) (void)install(prefix, DropReason::kBlocklist, 0);
  entries_.store(installed_.size(), std::memory_order_relaxed);
}

void KernelBlocklist::syncBlocklist(MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (filter_) syncStatic(now);
}

void KernelBlocklist::sync(const std::vector<Entry>& dynamic, MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!filter_) return;
  syncStatic(now);
  std::unordered_map<shield::IpPrefix, const Entry*, shield::IpPrefixHash> wanted;
  for (const Entry& e : dynamic) {
    if (e.reason != DropReason::kBlocklist && static_.count(e.prefix) == 0) {
      wanted.emplace(e.prefix, &e);
    }
  }
  // Out first: what is no longer wanted, or wanted for another reason or owner.
  for (auto it = installed_.begin(); it != installed_.end();) {
    Installed& e = it->second;
    auto w = wanted.find(it->first);
    bool keep = e.reason == DropReason::kBlocklist ||
                (w != wanted.end() && w->second->reason == e.reason && w->second->owner == e.owner);
    if (keep) {
      // A penalty that became a probation (or back): the same entry and slot, updated in place.
      if (w != wanted.end() && w->second->pass_mask != e.pass_mask &&
          filter_->add(it->first, e.slot, w->second->pass_mask).ok()) {
        e.pass_mask = w->second->pass_mask;
      }
      ++it;
    } else {
      uninstall(it->first, e);
      it = installed_.erase(it);
    }
  }
  for (const auto& [prefix, e] : wanted) (void)install(prefix, e->reason, e->owner, e->pass_mask);
  entries_.store(installed_.size(), std::memory_order_relaxed);
}

void KernelBlocklist::registerMetrics(telemetry::Registry* registry) const {
  for (size_t r = 0; r < static_cast<size_t>(DropReason::kCount); ++r) {
    auto reason = static_cast<DropReason>(r);
    registry->callback(telemetry::names::kRejections,
                       "Connections and requests the shield refused.",
                       telemetry::MetricType::kCounter,
                       {{"stage", "kernel"}, {"reason", dropReasonName(reason)}},
                       [this, reason] { return static_cast<double>(drops(reason)); });
  }
  registry->callback(telemetry::names::kKernelBlocklistEntries,
                     "Prefixes the kernel drops at the SYN (eBPF socket filter on the listeners).",
                     telemetry::MetricType::kGauge, {},
                     [this] { return static_cast<double>(entries()); });
}

}  // namespace floodgate::kernel
