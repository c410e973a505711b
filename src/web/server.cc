#include "web/server.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "web/connection.h"

namespace floodgate::web {
namespace {

constexpr auto kPauseOnExhaustion = milliseconds(100);

}  // namespace

Result<std::unique_ptr<Server>> Server::start(EventLoop* loop, const SocketAddress& address,
                                              Handler handler, ServerOptions options) {
  // One control listener per address: no SO_REUSEPORT, so a second floodgate on the same admin
  // port fails loudly instead of sharing it.
  auto fd = listenTcp(address, {.reuse_port = false, .backlog = 128});
  if (!fd.ok()) return makeError(fd.error());
  std::unique_ptr<Server> server(new Server(loop, std::move(handler), options));
  server->listener_ = std::move(fd.value());
  server->address_ = localAddress(server->listener_.get());
  Status added = loop->add(server->listener_.get(), EPOLLIN, server.get());
  if (!added.ok()) return makeError(added.error());
  return server;
}

Server::Server(EventLoop* loop, Handler handler, ServerOptions options)
    : loop_(loop), handler_(std::move(handler)), options_(options) {
  resume_.setCallback([this] {
    paused_ = false;
    (void)loop_->modify(listener_.get(), EPOLLIN, this);
  });
}

Server::~Server() {
  loop_->cancel(&resume_);
  if (listener_.valid()) loop_->remove(listener_.get());
  connections_.forEach([](Connection* c) { c->close(); });
}

void Server::acceptAll() {
  for (int i = 0; i < 64 && !paused_; ++i) {  // a bounded batch; level-triggered brings us back
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED || errno == EPROTO) return;
      // Out of descriptors or memory: stop polling the listener for a moment instead of spinning.
      spdlog::warn("web: accept on {} failed: {}; pausing 100 ms", address_.toString(),
                   std::strerror(errno));
      paused_ = true;
      (void)loop_->modify(listener_.get(), 0, this);
      loop_->schedule(&resume_, kPauseOnExhaustion);
      return;
    }
    if (connections_.size() >= static_cast<size_t>(options_.max_connections)) {
      closeWithReset(fd);
      continue;
    }
    auto connection = std::make_unique<Connection>(
        this, FileDescriptor(fd),
        SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len));
    Connection* raw = connection.release();
    connections_.pushFront(raw);
    if (!raw->start()) raw->close();
  }
}

void Server::closed(Connection* connection) {
  connections_.remove(connection);
  loop_->deleteLater(std::unique_ptr<Deferrable>(connection));
}

}  // namespace floodgate::web
