// Server: the small HTTP/1.1 server that runs floodgate's own services (admin API, metrics,
// status page) on the control thread's loop. Strict parsing with http::RequestParser,
// keep-alive, Content-Length bodies up to a bound, and a handler that sees whole requests.
// It is not the data plane: it favours simplicity over throughput, but stays bounded.
#pragma once

#include <memory>

#include "core/event_loop.h"
#include "core/intrusive_list.h"
#include "core/result.h"
#include "core/socket.h"
#include "core/socket_address.h"
#include "web/handler.h"

namespace floodgate::web {

class Connection;

struct ServerOptions {
  size_t max_body = 1 << 20;            // 413 above
  int max_connections = 256;            // more are reset at accept
  Duration read_timeout = seconds(10);  // from a request's first byte to its last
  Duration idle_timeout = seconds(60);  // between requests, or a response the client won't read
};

class Server final : public IoHandler {
 public:
  // Listens on `address` (port 0 picks one) and serves on `loop`; call on the loop's thread.
  static Result<std::unique_ptr<Server>> start(EventLoop* loop, const SocketAddress& address,
                                               Handler handler, ServerOptions options = {});
  ~Server() override;  // closes the listener and its connections
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  SocketAddress address() const { return address_; }  // the bound address
  size_t connections() const { return connections_.size(); }

  void onIoEvent(uint32_t events) override { acceptAll(); }

 private:
  friend class Connection;
  Server(EventLoop* loop, Handler handler, ServerOptions options);
  void acceptAll();
  void closed(Connection* connection);

  EventLoop* loop_;
  Handler handler_;
  ServerOptions options_;
  FileDescriptor listener_;
  SocketAddress address_;
  Timer resume_;
  bool paused_ = false;
  IntrusiveList<Connection> connections_;
};

}  // namespace floodgate::web
