// GroupRunner: one client group's share on one worker — its slots, its active windows and its
// open-loop schedule. Each tick it starts or stops the group at its window edges and hands
// every request that has come due to the next slot.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "storm/group_shared.h"
#include "storm/schedule.h"
#include "storm/slot.h"

namespace floodgate::storm {

class GroupRunner {
 public:
  // `slots`: the global slot indexes this worker plays (g % threads == worker).
  GroupRunner(WorkerContext* worker, const Scenario& scenario, size_t group_index,
              std::vector<uint64_t> slots, MonoTime start);
  ~GroupRunner();

  void tick(MonoTime now);
  bool idle() const;
  // The run is over: count what is unfinished and close everything.
  void abandon();

  uint64_t openConnections() const { return shared_->open; }
  size_t slotCount() const { return slots_.size(); }
  // Legitimate users on this worker that received a block.
  uint64_t blockedUsers() const;
  const ClientGroup& spec() const { return *shared_->spec; }

 private:
  std::unique_ptr<GroupShared> shared_;
  ActiveWindows windows_;
  std::optional<RequestSchedule> schedule_;
  std::vector<std::unique_ptr<Slot>> slots_;
  MonoTime start_;
  size_t next_slot_ = 0;
};

}  // namespace floodgate::storm
