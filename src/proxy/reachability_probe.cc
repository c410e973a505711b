#include "proxy/reachability_probe.h"

namespace floodgate::proxy {

ReachabilityProbe::ReachabilityProbe(EventLoop* loop, std::vector<SocketAddress> endpoints)
    : loop_(loop) {
  for (auto& a : endpoints) {
    auto p = std::make_unique<Probe>();
    p->owner = this;
    p->address = a;
    probes_.push_back(std::move(p));
  }
}

ReachabilityProbe::~ReachabilityProbe() {
  for (auto& p : probes_) {
    if (p->pending) loop_->remove(p->fd.get());
  }
}

void ReachabilityProbe::Probe::finish(bool ok) {
  if (pending) owner->loop_->remove(fd.get());
  pending = false;
  reachable = ok;
  fd.reset();
}

void ReachabilityProbe::Probe::onIoEvent(uint32_t events) {
  finish(socketError(fd.get()) == 0 && (events & (EPOLLERR | EPOLLHUP)) == 0);
}

void ReachabilityProbe::round() {
  for (auto& p : probes_) {
    if (p->pending) p->finish(false);  // no answer within the round
    bool in_progress = false;
    auto fd = connectTcp(p->address, nullptr, &in_progress);
    if (!fd) {
      p->reachable = false;
      continue;
    }
    if (!in_progress) {
      p->reachable = true;  // connected at once (loopback)
      continue;
    }
    p->fd = std::move(*fd);
    if (!loop_->add(p->fd.get(), EPOLLOUT, p.get())) {
      p->fd.reset();
      p->reachable = false;
      continue;
    }
    p->pending = true;
  }
}

}  // namespace floodgate::proxy
