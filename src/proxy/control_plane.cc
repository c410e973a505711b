#include "proxy/control_plane.h"

namespace floodgate::proxy {

ControlPlane::ControlPlane(std::function<void()> each_second)
    : each_second_(std::move(each_second)) {
  second_.setCallback([this] {
    loop_.schedule(&second_, seconds(1));
    if (each_second_) each_second_();
  });
}

ControlPlane::~ControlPlane() { stop(); }

Result<SocketAddress> ControlPlane::serve(const SocketAddress& address, web::Handler handler,
                                          web::ServerOptions options) {
  auto server = web::Server::start(&loop_, address, std::move(handler), options);
  if (!server.ok()) return makeError(server.error());
  SocketAddress bound = (*server)->address();
  servers_.push_back(std::move(server.value()));
  return bound;
}

void ControlPlane::start() {
  loop_.updateTime();
  loop_.schedule(&second_, seconds(1));
  thread_ = std::thread([this] { loop_.run(); });
}

void ControlPlane::stop() {
  if (thread_.joinable()) {
    loop_.post([this] {
      loop_.cancel(&second_);
      servers_.clear();
      loop_.stop();
    });
    thread_.join();
  }
  loop_.cancel(&second_);
  servers_.clear();
}

}  // namespace floodgate::proxy
