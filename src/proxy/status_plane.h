// StatusPlane: the public status page, running on a thread of its own so that it keeps
// answering while workers and the control thread are busy with a flood. It owns the
// StatusService (engine and store), serves the public handler on `status.listen`, and feeds
// the engine once a second through a StatusFeed. The admin handler is for the admin listener.
#pragma once

#include <memory>
#include <thread>

#include "config/config.h"
#include "core/event_loop.h"
#include "proxy/status_feed.h"
#include "status/service.h"
#include "web/server.h"

namespace floodgate::proxy {

class StatusPlane {
 public:
  // Opens the store, binds the listener (printing "status page on ADDR") and starts the thread.
  // `events` (optional) is told of the engine's decisions, for the event log.
  static Result<std::unique_ptr<StatusPlane>> start(const config::Config& config,
                                                    const ShieldState* shield,
                                                    status::EventSink events = nullptr);
  ~StatusPlane();

  SocketAddress address() const { return address_; }
  web::Handler adminHandler() { return service_->adminHandler(); }
  void noteTick(const TrafficTick& tick) { feed_->noteTick(tick); }
  // Endpoint and path health for the components, from the upstream control side (any thread).
  void noteUpstream(std::shared_ptr<const upstream::UpstreamView> view) {
    feed_->noteUpstream(std::move(view));
  }

 private:
  StatusPlane() = default;
  void second();

  std::unique_ptr<status::StatusService> service_;
  EventLoop loop_;
  std::unique_ptr<StatusFeed> feed_;
  std::unique_ptr<web::Server> server_;
  SocketAddress address_;
  Timer second_;
  std::thread thread_;
};

}  // namespace floodgate::proxy
