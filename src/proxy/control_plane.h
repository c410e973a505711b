// ControlPlane: the gateway's control thread — one EventLoop that runs floodgate's own HTTP
// listeners (the admin API, later the status page), the once-a-second telemetry tick, and every
// change to the running config (reloads from SIGHUP and from the API meet here, one at a time).
// Workers never wait for it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.h"
#include "core/result.h"
#include "web/server.h"

namespace floodgate::proxy {

class ControlPlane {
 public:
  // `each_second` runs on the control thread once a second from start() on.
  explicit ControlPlane(std::function<void()> each_second);
  ~ControlPlane();  // stop()
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Starts an HTTP listener on the control loop and returns its bound address. Call before
  // start() (from the thread that will call start), or on the control thread.
  Result<SocketAddress> serve(const SocketAddress& address, web::Handler handler,
                              web::ServerOptions options = {});
  void start();
  // Closes the listeners and joins the thread; tasks posted after this do not run.
  void stop();
  // Thread-safe: runs `task` on the control thread.
  void post(std::function<void()> task) { loop_.post(std::move(task)); }
  EventLoop& loop() { return loop_; }

 private:
  EventLoop loop_;
  std::function<void()> each_second_;
  Timer second_;
  std::vector<std::unique_ptr<web::Server>> servers_;
  std::thread thread_;
};

}  // namespace floodgate::proxy
