// Listener: accepts connections on one worker's listening socket (edge-triggered). When the
// process runs out of descriptors it pauses for 100 ms instead of spinning on EMFILE.
#pragma once

#include <functional>

#include "core/event_loop.h"
#include "core/socket.h"

namespace floodgate::origin {

class Listener final : public IoHandler {
 public:
  using AcceptFn = std::function<void(FileDescriptor fd, const SocketAddress& peer)>;

  Listener(EventLoop* loop, FileDescriptor fd, AcceptFn on_accept);
  ~Listener() override;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Status start();
  void onIoEvent(uint32_t events) override { acceptAll(); }

 private:
  void acceptAll();

  EventLoop* loop_;
  FileDescriptor fd_;
  AcceptFn on_accept_;
  Timer resume_;
  bool paused_ = false;
  MonoTime last_warning_{};
};

}  // namespace floodgate::origin
