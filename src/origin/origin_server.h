// OriginServer: the demo origin as an object — N workers, each with its own SO_REUSEPORT
// listener — so `floodgate origin` and in-process tests start it the same way.
#pragma once

#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/socket_address.h"
#include "origin/origin.h"
#include "origin/origin_state.h"

namespace floodgate::origin {

class OriginWorker;

class OriginServer {
 public:
  // `clock` drives the capacity model (the event loops use the real clock).
  explicit OriginServer(const OriginOptions& options, const Clock& clock = RealClock::instance());
  ~OriginServer();
  OriginServer(const OriginServer&) = delete;
  OriginServer& operator=(const OriginServer&) = delete;

  // Binds every worker's listener (port 0: the kernel picks one, shared by all) and starts the
  // threads.
  Status start();
  // The address it listens on, with the actual port.
  const SocketAddress& address() const { return address_; }
  void stop();  // thread-safe
  void join();

 private:
  OriginState state_;
  SocketAddress address_;
  std::vector<std::unique_ptr<OriginWorker>> workers_;
};

}  // namespace floodgate::origin
