// ReachabilityProbe: once a round, a non-blocking TCP connect to each endpoint, on the control
// thread's loop; an endpoint is reachable when its last connect completed within the round.
// The status page's minimal view of endpoint health until active health checks exist.
#pragma once

#include <memory>
#include <vector>

#include "core/event_loop.h"
#include "core/socket.h"
#include "core/socket_address.h"

namespace floodgate::proxy {

class ReachabilityProbe {
 public:
  ReachabilityProbe(EventLoop* loop, std::vector<SocketAddress> endpoints);
  ~ReachabilityProbe();

  // Ends the previous round (a connect still pending counts as unreachable) and starts the
  // next. Call once a second on the loop's thread.
  void round();
  size_t size() const { return probes_.size(); }
  // The verdict of the last finished round for endpoint `i` (in the constructor's order);
  // unreachable until a round has finished.
  bool reachable(size_t i) const { return probes_[i]->reachable; }

 private:
  struct Probe final : IoHandler {
    ReachabilityProbe* owner = nullptr;
    SocketAddress address;
    FileDescriptor fd;
    bool pending = false;
    bool reachable = false;
    void onIoEvent(uint32_t events) override;
    void finish(bool ok);
  };
  EventLoop* loop_;
  std::vector<std::unique_ptr<Probe>> probes_;
};

}  // namespace floodgate::proxy
