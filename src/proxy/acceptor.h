// Acceptor: a worker's listening socket. Accepts in batches; when the process runs out of file
// descriptors it stops listening for a moment instead of spinning on a ready socket.
#pragma once

#include <optional>
#include <string>

#include "core/event_loop.h"
#include "core/socket.h"
#include "shield/ip_prefix.h"

namespace floodgate::proxy {

class Worker;

class Acceptor final : public IoHandler {
 public:
  Acceptor(Worker* worker, std::string name, FileDescriptor fd);
  ~Acceptor() override;
  bool start();
  void onIoEvent(uint32_t events) override;
  uint64_t acceptPauses() const { return pauses_; }

 private:
  void pause();
  // Applies the connection stage of the shield; false when the connection was refused (and
  // closed). *tracked tells whether the per-source table counted it.
  bool admit(int fd, const std::optional<shield::IpKey>& key, bool* tracked);

  Worker* worker_;
  std::string name_;
  FileDescriptor fd_;
  Timer resume_timer_;
  bool paused_ = false;
  uint64_t pauses_ = 0;
};

}  // namespace floodgate::proxy
