#include "origin/origin_server.h"

#include "core/socket.h"
#include "origin/origin_worker.h"

namespace floodgate::origin {

OriginServer::OriginServer(const OriginOptions& options, const Clock& clock)
    : state_(options, clock) {}

OriginServer::~OriginServer() {
  stop();
  join();
  workers_.clear();
}

Status OriginServer::start() {
  auto address = SocketAddress::parse(state_.options.listen);
  if (!address.ok()) return Error{"--listen " + address.error()};
  address_ = *address;
  int count = std::max(1, state_.options.workers);
  std::vector<FileDescriptor> fds;
  for (int i = 0; i < count; ++i) {
    auto fd = listenTcp(address_);
    if (!fd.ok()) return Error{fd.error()};
    // The first bind picks the port when asked for port 0; the others share it (SO_REUSEPORT).
    if (i == 0) address_ = localAddress(fd->get());
    fds.push_back(std::move(*fd));
  }
  for (int i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<OriginWorker>(i, &state_, std::move(fds[i])));
    state_.workers.push_back(workers_.back().get());
  }
  for (auto& w : workers_) {
    Status st = w->start();
    if (!st.ok()) return st;
  }
  return {};
}

void OriginServer::stop() {
  for (auto& w : workers_) w->stop();
}

void OriginServer::join() {
  for (auto& w : workers_) w->join();
}

}  // namespace floodgate::origin
