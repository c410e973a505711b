// Slot: one client of a group — at most one TCP connection at a time to the target, from a
// source address of the group's range. It owns the socket plumbing (non-blocking connect,
// edge-triggered epoll, gathered writes, reads until drained); subclasses decide what to send.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string_view>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "storm/counters.h"
#include "storm/group_shared.h"

namespace floodgate::storm {

class Slot : public IoHandler {
 public:
  Slot(GroupShared* group, uint64_t global_index) : g_(group), index_(global_index) {}
  ~Slot() override;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // The group's schedule says one more request (or connection attempt) is due.
  virtual void onDue(MonoTime intended) = 0;
  // Called on every tick while the group is active (closed-loop slots restart here).
  virtual void onTick(MonoTime now) {}
  // The group left its window: send nothing new.
  virtual void onStop() = 0;
  // Nothing in flight or waiting.
  virtual bool idle() const = 0;
  // The run is over: count what is unfinished and close.
  virtual void abandon() = 0;

  void onIoEvent(uint32_t events) override;
  uint64_t globalIndex() const { return index_; }

 protected:
  // kMore: the buffer filled up, call again after consuming; kDrained: nothing more for now.
  enum class ReadResult : uint8_t { kMore, kDrained, kEof, kError };

  // Starts a connection from `source`. On an immediate failure returns the Count that
  // classifies it (kRefused, kLocalError, ...); kEnd when the attempt is under way.
  Count connectFrom(const SocketAddress& source);
  void closeConnection(bool reset);
  bool hasConnection() const { return fd_ >= 0; }
  bool connecting() const { return connecting_; }

  void setOutput(std::string_view head, std::string_view body = {});
  bool outputPending() const { return out_pos_ < out_len_; }
  // Writes what it can. Returns false on a socket error (errno in lastError()).
  bool flushOutput();
  // One read into in_ (edge-triggered: the owner calls again while it returns kMore).
  ReadResult readSome();
  int lastError() const { return last_errno_; }
  static Count classifyErrno(int err);

  virtual void onConnected() = 0;
  virtual void onConnectFailed(Count why) = 0;
  virtual void onReadable() = 0;
  virtual void onWritable() = 0;

  GroupShared* g_;
  uint64_t index_;
  int fd_ = -1;
  bool connecting_ = false;
  Buffer in_;

 private:
  iovec out_[2]{};
  size_t out_len_ = 0;  // total bytes of the current output
  size_t out_pos_ = 0;  // bytes already written
  int last_errno_ = 0;
};

}  // namespace floodgate::storm
