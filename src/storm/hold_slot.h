// HoldSlot: a client that ties up a connection rather than completing requests — a connection
// flood (open and hold idle), slowloris (a request head trickled a few bytes at a time, never
// finished) or slow POST (a whole head, then the body trickled). When the target closes it,
// the next due attempt opens another.
#pragma once

#include <string>

#include "core/timer_wheel.h"
#include "storm/response_reader.h"
#include "storm/slot.h"

namespace floodgate::storm {

class HoldSlot final : public Slot {
 public:
  HoldSlot(GroupShared* group, uint64_t global_index);
  ~HoldSlot() override;

  void onDue(MonoTime intended) override;
  void onStop() override;
  bool idle() const override { return fd_ < 0; }
  void abandon() override;

 private:
  void onConnected() override;
  void onConnectFailed(Count why) override;
  void onReadable() override;
  void onWritable() override;
  void trickle();
  void end(Count why, bool reset);
  // Fills pending_ with the next bytes to trickle; false when the request is complete.
  bool refill();

  Timer timer_;
  ResponseReader reader_;
  uint64_t attempts_ = 0;
  std::string pending_;  // bytes generated, not yet sent
  size_t pending_pos_ = 0;
  uint64_t lines_ = 0;      // slowloris: padding header lines generated
  uint64_t body_sent_ = 0;  // slow POST: body bytes generated
  bool head_done_ = false;
};

}  // namespace floodgate::storm
