// Upstream connections and the per-worker, per-endpoint keep-alive pool they live in.
// An UpstreamConnection is a socket with its buffers; the client connection that borrows it
// drives the exchange and receives its events through UpstreamUser.
#pragma once

#include <memory>
#include <vector>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/socket.h"
#include "http/response_parser.h"

namespace floodgate::proxy {

class UpstreamConnection;
class EndpointPool;

class UpstreamUser {
 public:
  virtual ~UpstreamUser() = default;
  virtual void onUpstreamEvent(UpstreamConnection* conn, uint32_t events) = 0;
  virtual void onUpstreamTimeout(UpstreamConnection* conn) = 0;
};

class UpstreamConnection final : public IoHandler, public Deferrable {
 public:
  UpstreamConnection(EndpointPool* pool, FileDescriptor fd, bool connecting);
  ~UpstreamConnection() override;

  void onIoEvent(uint32_t events) override;

  int fd() const { return fd_.get(); }
  EndpointPool* pool() const { return pool_; }
  bool connecting() const { return connecting_; }
  void setConnected() { connecting_ = false; }
  bool reused() const { return requests_ > 1; }
  void setUser(UpstreamUser* user) { user_ = user; }
  void armTimer(Duration after);
  void cancelTimer();

  // Edge-triggered readiness the user keeps track of.
  bool can_read = false;
  bool can_write = true;
  bool eof = false;
  bool hangup = false;
  Buffer in;
  Buffer out;
  http::ResponseParser parser;

 private:
  friend class EndpointPool;
  EndpointPool* pool_;
  FileDescriptor fd_;
  bool connecting_;
  bool idle_ = false;
  UpstreamUser* user_ = nullptr;
  uint64_t requests_ = 0;
  Timer timer_;
};

class EndpointPool {
 public:
  EndpointPool(EventLoop* loop, SocketAddress address);
  ~EndpointPool();

  const SocketAddress& address() const { return address_; }
  // A pooled idle connection when there is one (LIFO: the warmest), else a new connection
  // (possibly still connecting). Null when at `max_connections` or the socket cannot be made.
  UpstreamConnection* acquire(UpstreamUser* user, int max_connections, const char** error);
  // Hands a connection back. Reusable ones go idle (up to max_idle, closed after
  // idle_timeout); the rest are closed.
  void release(UpstreamConnection* conn, bool reusable, int max_idle, Duration idle_timeout);
  int active() const { return total_ - static_cast<int>(idle_.size()); }
  int idle() const { return static_cast<int>(idle_.size()); }
  uint64_t connectsTotal() const { return connects_total_; }

  // Called by an idle connection that the upstream closed or timed out.
  void dropIdle(UpstreamConnection* conn);
  EventLoop* loop() const { return loop_; }

 private:
  void destroy(UpstreamConnection* conn);

  EventLoop* loop_;
  SocketAddress address_;
  std::vector<UpstreamConnection*> idle_;
  int total_ = 0;
  uint64_t connects_total_ = 0;
};

}  // namespace floodgate::proxy
